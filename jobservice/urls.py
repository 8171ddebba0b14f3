"""URLs: the API under /job-service/v1/, its OpenAPI schema and Swagger UI, and the admin."""
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("job-service/v1/", include("jobs.api.urls")),
    path("job-service/v1/openapi.json", SpectacularAPIView.as_view(), name="openapi-schema"),
    path(
        "job-service/v1/swagger-ui/",
        SpectacularSwaggerView.as_view(url_name="openapi-schema"),
        name="swagger-ui",
    ),
    path("admin/", admin.site.urls),
]

handler404 = "jobs.api.errors.json_not_found"
handler500 = "jobs.api.errors.json_server_error"
