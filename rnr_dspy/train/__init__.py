"""Training on generated RNR data with TRL."""
