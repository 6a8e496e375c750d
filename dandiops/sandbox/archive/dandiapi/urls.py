from django.contrib import admin
from django.urls import include, path

from dandiapi.api.views import info

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("oauth/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("admin/", admin.site.urls),
    path("api/info/", info, name="info"),
]
