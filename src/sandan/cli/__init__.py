"""The command line (typer + rich): parse, call capability functions, render; no business logic here."""
