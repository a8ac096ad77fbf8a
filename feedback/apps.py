from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        # The chatbot hands over when a customer is very upset; channels cannot import feedback
        # (feedback builds on channels), so feedback lends it the analyser here.
        from channels.chatbot import register_sentiment_scorer

        from . import receivers  # noqa: F401
        from .sentiment import analyse

        register_sentiment_scorer(lambda text: analyse(text).score)
