from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CimSiteConfig(AppConfig):
    name = "cim_site"
    verbose_name = "CIM"

    def ready(self) -> None:
        from django.contrib import admin

        from .api import sanitise
        from .roles import sync_group_permissions

        sanitise.install()

        # Django sends post_migrate once per app with models (not for this one); auth's handler,
        # connected first, has created that app's permissions by the time ours runs.
        post_migrate.connect(sync_group_permissions, dispatch_uid="cim.roles")
        admin.site.site_header = "CIM"
        admin.site.site_title = "CIM"
        admin.site.index_title = "Customer Interaction Management"
