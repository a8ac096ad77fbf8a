from .base import *  # noqa: F403

DEBUG = True
# The admin login page lists the demo users and their passwords (`make run` seeds them).
CIM_DEMO_LOGINS = True
