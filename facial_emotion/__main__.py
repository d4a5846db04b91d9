"""`python -m facial_emotion COMMAND ...`: the `facial-emotion` command, without installing it."""

from .cli.main import main

if __name__ == "__main__":
    raise SystemExit(main(prog="python -m facial_emotion"))
