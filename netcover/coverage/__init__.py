"""Coverage: the area engine over the DEM, the loss cache, who is covered, coverage tables and large
areas tile by tile."""

__all__: list[str] = []
