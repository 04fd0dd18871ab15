"""Input adapters: how each kind of data reaches a network.

An estimator declares its adapter class in ``_input``; the adapter owns the
validation of X (and y), the layout the network takes, the error messages,
the sizes the data determine (handed to ``_build_module`` as a
:class:`DataSpec`) and the dataset that batches it.  See the contract page,
"Input shapes".
"""

from ._base import DataSpec, InputAdapter, TabularInput
from ._conv import ImageInput, ImageOrSeriesInput, SeriesInput
from ._graph import Graph, GraphInput
from ._ids import IdInput, IdPairInput, TokenInput
from ._multi import DictInput
from ._sequence import ForecastInput, PaddedSeriesInput, resolve_vocab_size, sequence_input
from ._table import TableEncoding, TableInput

__all__ = [
    "DataSpec",
    "DictInput",
    "ForecastInput",
    "Graph",
    "GraphInput",
    "IdInput",
    "IdPairInput",
    "ImageInput",
    "ImageOrSeriesInput",
    "InputAdapter",
    "PaddedSeriesInput",
    "SeriesInput",
    "TableEncoding",
    "TableInput",
    "TabularInput",
    "TokenInput",
    "resolve_vocab_size",
    "sequence_input",
]
