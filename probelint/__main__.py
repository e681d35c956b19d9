"""``python -m probelint`` runs the command line, exactly as the ``probelint`` script does."""
from probelint.cli import main

if __name__ == "__main__":
    main(prog_name="probelint")  # the same name in help, errors and shell completion
