"""The error hierarchy: the CLI maps every `RnrError` to a message on stderr and exit code 1."""

__all__ = ["ConfigError", "LMError", "LMSpecError", "RnrError", "SeedError"]


class RnrError(Exception):
    """Base class of the errors rnr-dspy raises on bad input or a failing dependency."""


class ConfigError(RnrError):
    """A configuration value is invalid."""


class SeedError(RnrError):
    """Seed data cannot be read or has no usable instructions."""


class LMSpecError(RnrError):
    """An LM spec cannot be resolved to a model."""


class LMError(RnrError):
    """An LM could not be reached or did not answer."""
