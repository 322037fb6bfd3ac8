"""Demo data: the fictional city of Riverton and two campaigns modelled on real fights."""
