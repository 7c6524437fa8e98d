"""Seed instructions: loading them from files and datasets (`files`), the `Seed` model and grouping by theme
(`data`), and the shipped set (`instructions.jsonl`)."""
