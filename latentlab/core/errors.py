"""User-facing errors: one clear line that names the file and the fix."""


class LatentlabError(Exception):
    """An error a user can act on. str(error) is the whole message, shown on one line."""


class DataError(LatentlabError):
    """A dataset could not be read, found or downloaded."""


class CheckpointError(LatentlabError):
    """A checkpoint could not be written or was refused on load."""


class PriorFileGiven(CheckpointError):
    """A latent prior's checkpoint was given where an image model's was expected (the window opens it in its
    Prior tab instead)."""
