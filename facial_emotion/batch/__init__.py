"""Many sources in one run: a folder, a glob, several files; resumable, in several processes.

`expand_sources` turns what --source names into files; `run_batch` analyses them (here or in
worker processes) and hands each source's outcome on in source order; `BatchState` keeps
what is done for --resume; `BatchOutputs` writes the data files of a batch.
"""

from .analyser import Analyser, Job
from .listing import SourceList, expand_sources
from .naming import output_stems
from .outcome import Outcome
from .outputs import BatchOutputs
from .runner import BatchReport, run_batch
from .state import BatchState

__all__ = ["Analyser", "BatchOutputs", "BatchReport", "BatchState", "Job", "Outcome",
           "SourceList", "expand_sources", "output_stems", "run_batch"]
