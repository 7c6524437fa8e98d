"""The plumbing every layer uses: atomic writes, content hashes, JSONL, masking of credentials, progress, worker
threads, peak memory, LM usage ledgers, and the launch of a stage in processes of its own."""
