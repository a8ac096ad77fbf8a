# Surveys, sentiment and quality reviews arrive with the feedback issue.
