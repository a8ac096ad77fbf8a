"""Operations and journey analytics (issue 10): per-ticket facts and per-day interaction
rollups kept current by a beat task, metrics selectors over them, live tiles, drill-down links."""
