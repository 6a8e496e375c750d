from dandiapi.api.models.user import EmailAsUsernameProxyUser, UserMetadata

__all__ = ["EmailAsUsernameProxyUser", "UserMetadata"]
