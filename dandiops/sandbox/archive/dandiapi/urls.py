from django.contrib import admin
from django.urls import include, path

from dandiapi.api.auth_views import authorize_view, user_questionnaire_form_view
from dandiapi.api.views import info

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("oauth/authorize/", authorize_view, name="authorize"),  # before the toolkit's own, as upstream
    path("oauth/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("admin/", admin.site.urls),
    path("api/info/", info, name="info"),
    path("api/users/questionnaire-form/", user_questionnaire_form_view, name="user-questionnaire"),
]
