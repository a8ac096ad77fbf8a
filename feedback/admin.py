# Surveys, responses and QA reviews get their admin with the feedback models.
