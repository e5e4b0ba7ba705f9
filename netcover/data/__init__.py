"""Inputs: reading and checking a planner's files (DEM, sites, units, population, proposals, history)
and projecting them to the working CRS."""

__all__: list[str] = []
