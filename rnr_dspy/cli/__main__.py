from rnr_dspy.cli import app

app()
