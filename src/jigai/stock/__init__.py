"""Building stock tables: the survey/stock schema shared by the survey import and
the stock runner, survey construction types, typology defaults for survey gaps,
and a synthetic stock generator. Pure Python + numpy (no Django)."""
