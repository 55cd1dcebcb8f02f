"""The ``kyso`` command line (typer). One module a command group, registered in main.py."""
