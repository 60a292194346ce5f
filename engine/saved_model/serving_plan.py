"""The serving pass: a loaded model's plan rewritten once its variables are restored (`Plan(rewrite=...)`).

A Predictor never changes its variables, so, in a plan whose only stateful steps are variable reads:
- each read becomes a constant of the plan, and the pure steps that then have only constant inputs
  are folded as the plan folds constants (no step per variable per run);
- the subgraphs feature columns build for a bucketized column's sparse ids and for a linear model's
  weighted sum of sparse ids run as one fused op each (engine/ops/serving_fused_ops.py: 7 and 8
  steps), when they are exactly those subgraphs and nothing outside reads their inner tensors.

The values are those of the plan without the pass, bit for bit (tests/engine/saved_model/
test_serving_plan.py); errors still name an op of the model (the last of a fused subgraph).
"""

import functools

import numpy as np

from engine import dtypes, errors
from engine.framework.plan import _fold
from engine.framework.registry import OPS
from engine.ops import serving_fused_ops  # noqa: F401 - declares the fused ops

_VARIABLE_READS = {"VariableV2", "ReadVariableOp"}
_INT32_MAX = np.iinfo(np.int32).max


def rewrite(steps, slot, template, baked, fetched):
    """`Plan`'s rewrite hook for a read-only model: see the module's docstring."""
    if any(OPS[s[4]._type].stateful and s[4]._type not in _VARIABLE_READS for s in steps):
        return steps  # something in the plan has effects: variables may change between its runs
    steps = _fold_variables(steps, template, baked)
    return _Fusion(steps, slot, template, baked, fetched).run()


def _fold_variables(steps, template, baked):
    kept = []
    for step in steps:
        fn, ins, out, _, op = step
        outs = out if type(out) is tuple else (out,)
        if op._type in _VARIABLE_READS:
            try:
                values = [fn()]
            except errors.OpError:
                values = None  # uninitialized: the run reports it, as without the pass
        elif all(i in baked for i in ins):
            values = _fold(op, [template[i] for i in ins])
        else:
            values = None
        if values is None:
            kept.append(step)
            continue
        for i, value in zip(outs, values):
            template[i] = value
        baked.update(outs)
    return kept


class _Fusion:
    """Finds the fusable subgraphs among the steps and replaces each by one step of its fused op."""

    def __init__(self, steps, slot, template, baked, fetched):
        self.steps, self.slot, self.template, self.baked, self.fetched = steps, slot, template, baked, fetched
        self.producer = {}  # slot → index of the step writing it
        self.readers = {}  # slot → indices of the steps reading it
        for index, step in enumerate(steps):
            for o in step[2] if type(step[2]) is tuple else (step[2],):
                self.producer[o] = index
            for i in step[1]:
                self.readers.setdefault(i, []).append(index)

    def run(self):
        fused = {}  # index of a subgraph's last step → its fused step; members' indices → None
        for index, step in enumerate(self.steps):
            if index in fused:
                continue
            match = _PATTERNS.get(step[4]._type)
            found = match(self, step[4]) if match else None
            if found is not None:
                self._replace(fused, *found)
        return [fused.get(i, s) for i, s in enumerate(self.steps) if fused.get(i, s) is not None]

    def _replace(self, fused, members, inputs, outputs, name, attrs):
        """One step of op `name` in place of the `members` (ops), if nothing else reads what they make
        but `outputs`, and every reader of those comes after the last member."""
        made = {self.producer.get(self.slot.get(o)) for m in members for o in m._outputs}
        if None in made or made & fused.keys():
            return
        indices = sorted(made)
        inner = {self.slot[o] for m in members for o in m._outputs} - {self.slot[t] for t in outputs}
        if inner & self.fetched or any(r not in indices for s in inner for r in self.readers.get(s, ())):
            return
        last = indices[-1]
        if any(r <= last for t in outputs for r in self.readers.get(self.slot[t], ())):
            return
        outs = tuple(self.slot[t] for t in outputs)
        kernel = functools.partial(OPS[name].kernel, **attrs)
        for i in indices:
            fused[i] = None
        fused[last] = [kernel, tuple(self.slot[t] for t in inputs), outs if len(outs) > 1 else outs[0], (),
                       self.steps[last][4]]  # fmt: skip

    # -- reading the subgraph --

    def op_of(self, tensor, op_type):
        """The op making `tensor` if it is a step of the plan of type `op_type`, else None."""
        index = self.producer.get(self.slot.get(tensor))
        op = None if index is None else self.steps[index][4]
        return op if op is not None and op._type == op_type else None

    def constant(self, tensor):
        """The value of `tensor` if the plan knows it before running, else None."""
        i = self.slot.get(tensor)
        return self.template[i] if i in self.baked else None

    def same(self, a, b):
        """Whether two tensors are one buffer of the plan (an Identity is its input's buffer)."""
        return self.slot.get(a) is not None and self.slot.get(a) == self.slot.get(b)

    def is_constant(self, tensor, value):
        known = self.constant(tensor)
        return known is not None and np.shape(known) == np.shape(value) and np.array_equal(known, value)

    def readers_of(self, tensor):
        """The ops of the steps reading `tensor`."""
        return [self.steps[r][4] for r in self.readers.get(self.slot[tensor], ())]


def _bucketized_sparse_ids(fusion, where):
    """Where(GreaterEqual(ids, 0)), Shape(ids), Reshape(ids, [-1]) [→ Cast int64] of
    ids = Add(Bucketize(x), offsets): the ids of `BucketizedColumn._get_sparse_tensors`."""
    ge = fusion.op_of(where._inputs[0], "GreaterEqual")
    add = ge and fusion.op_of(ge._inputs[0], "Add")
    bucketize = add and fusion.op_of(add._inputs[0], "Bucketize")
    offsets = bucketize and fusion.constant(add._inputs[1])
    if offsets is None or not fusion.is_constant(ge._inputs[1], np.int32(0)):
        return None
    bounds = bucketize._attrs["boundaries"]
    if offsets.dtype != np.int32 or offsets.ndim != 1 or offsets.min(initial=0) < 0:
        return None
    if int(offsets.max(initial=0)) + len(bounds) > _INT32_MAX:  # ids could overflow to negatives
        return None
    readers = fusion.readers_of(add._outputs[0])
    shape = next((r for r in readers if r._type == "Shape"), None)
    reshape = next((r for r in readers if r._type == "Reshape"), None)
    if len(readers) != 3 or shape is None or reshape is None or shape._attrs.get("out_type") != dtypes.int64:
        return None
    if not fusion.is_constant(reshape._inputs[1], np.array([-1], np.int32)):
        return None
    members, values, values_dtype = [add, ge, where, shape, reshape], reshape._outputs[0], dtypes.int32
    if len(fusion.readers_of(bucketize._outputs[0])) == 1:
        members.append(bucketize)  # else its other readers keep it, and the fused op buckets x again
    after = fusion.readers_of(values)
    if len(after) == 1 and after[0]._type == "Cast" and after[0]._attrs["DstT"] == dtypes.int64:
        members.append(after[0])  # a cross takes int64 ids
        values, values_dtype = after[0]._outputs[0], dtypes.int64
    attrs = {"boundaries": bounds, "offsets": offsets, "values_dtype": values_dtype}
    outputs = [where._outputs[0], values, shape._outputs[0]]
    return members, [bucketize._inputs[0]], outputs, "BucketizedSparseIds", attrs


_FIRST_COLUMN = (np.array([0, 0], np.int32), np.array([0, 0], np.int32), np.array([1, 1], np.int32), (1, 1, 0, 0, 2))
_FIRST_ITEM = (np.array([0], np.int32), np.array([0], np.int32), np.array([1], np.int32), (0, 0, 0, 0, 1))


def _sliced(fusion, tensor, spec):
    """The input of `tensor` = StridedSlice(input, *spec) (spec: begin, end, strides, masks), else None."""
    op = fusion.op_of(tensor, "StridedSlice")
    if op is None or op._attrs["masks"] != spec[3]:
        return None
    if not all(fusion.is_constant(t, v) for t, v in zip(op._inputs[1:], spec[:3])):
        return None
    return op


def _sparse_sum_lookup(fusion, segment_sum):
    """UnsortedSegmentSum(GatherV2(params, BooleanMask(values, keep), 0), BooleanMask(indices[:, 0], keep),
    Cast(dense_shape[0])) with keep = GreaterEqual(values, 0): `safe_embedding_lookup_sparse`'s sum."""
    data, segments, count = segment_sum._inputs
    gather = fusion.op_of(data, "GatherV2")
    picked = gather and fusion.op_of(gather._inputs[1], "BooleanMask")
    masked_rows = fusion.op_of(segments, "BooleanMask")
    cast = fusion.op_of(count, "Cast")
    if not (picked and masked_rows and cast) or not fusion.is_constant(gather._inputs[2], np.int32(0)):
        return None
    keep = picked._inputs[1]
    ge = fusion.op_of(keep, "GreaterEqual")
    if ge is None or not fusion.same(masked_rows._inputs[1], keep) or not fusion.same(ge._inputs[0], picked._inputs[0]):
        return None
    if picked._attrs["axis"] != 0 or masked_rows._attrs["axis"] != 0 or not fusion.is_constant(ge._inputs[1], 0):
        return None
    rows, first = _sliced(fusion, masked_rows._inputs[0], _FIRST_COLUMN), _sliced(fusion, cast._inputs[0], _FIRST_ITEM)
    if rows is None or first is None or cast._attrs["DstT"] not in (dtypes.int32, dtypes.int64):
        return None
    members = [rows, ge, picked, masked_rows, gather, first, cast, segment_sum]
    inputs = [gather._inputs[0], rows._inputs[0], picked._inputs[0], first._inputs[0]]
    return members, inputs, segment_sum._outputs, "SparseSumLookup", {"segments_dtype": cast._attrs["DstT"]}


# each pattern is tried from the op whose step comes last in a plan built by feature columns
_PATTERNS = {"Where": _bucketized_sparse_ids, "UnsortedSegmentSum": _sparse_sum_lookup}
