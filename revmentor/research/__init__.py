"""Research: the scheme's live results and the study data folder, for lead and researcher."""
