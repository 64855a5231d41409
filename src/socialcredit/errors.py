"""Errors that the CLI turns into one clear line and exit status 2."""


class InputError(ValueError):
    """Bad user input: a malformed file, an unknown key, a value out of range.

    The message is one line naming the file, the key and the allowed values.
    """
