from django.apps import AppConfig


class CimSiteConfig(AppConfig):
    name = "cim_site"
    verbose_name = "CIM"
