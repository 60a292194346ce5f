"""Optimizer update kernels: one fused op per optimizer, dense and sparse, with TensorFlow's arithmetic.

Each rule `update(var, *slots, grad, *hyper, **options)` returns the new (var, *slots); the formulas
follow TensorFlow's training_ops kernels (Adam's bias correction folded into the learning rate,
Adagrad without epsilon, FTRL's learning-rate power), so a TF 1 program gets TF's numbers step by step.
A sparse rule `sparse(var, *slots, values, indices, *hyper)` stands for an optimizer whose sparse
update TF 1 builds otherwise (GradientDescent's scatter_sub, Adam's decay of all of m and v).
"""

import operator
import sys

import numpy as np

from engine import errors
from engine.framework.registry import NOT_DIFFERENTIABLE, Unfused, apply_op, defop


def _sgd(var, grad, lr):
    return (var - lr * grad,)


def _momentum(var, accum, grad, lr, momentum, *, use_nesterov):
    accum = accum * momentum + grad
    if use_nesterov:
        return var - (grad * lr + accum * momentum * lr), accum
    return var - lr * accum, accum


def _adagrad(var, accum, grad, lr):
    accum = accum + grad * grad
    return var - grad * lr / np.sqrt(accum), accum


def _adam(var, m, v, grad, beta1_power, beta2_power, lr, beta1, beta2, epsilon):
    alpha = lr * np.sqrt(1 - beta2_power) / (1 - beta1_power)
    # m + (g - m) * (1 - beta1), and likewise v, computed in place on fresh arrays (fewer temporaries)
    new_m = grad - m
    new_m *= 1 - beta1
    new_m += m
    new_v = grad * grad
    new_v -= v
    new_v *= 1 - beta2
    new_v += v
    denominator = np.sqrt(new_v)
    denominator += epsilon
    step = new_m * alpha
    step /= denominator
    return var - step, new_m, new_v


def _rmsprop(var, ms, mom, grad, lr, rho, momentum, epsilon):
    ms = ms + (grad * grad - ms) * (1 - rho)
    mom = mom * momentum + (grad * lr) / np.sqrt(ms + epsilon)
    return var - mom, ms, mom


def _centered_rmsprop(var, ms, mg, mom, grad, lr, rho, momentum, epsilon):
    ms = ms + (grad * grad - ms) * (1 - rho)
    mg = mg + (grad - mg) * (1 - rho)
    mom = mom * momentum + (grad * lr) / np.sqrt(ms - mg * mg + epsilon)
    return var - mom, ms, mg, mom


def _ftrl(var, accum, linear, grad, lr, l1, l2, l2_shrinkage, lr_power):
    shrunk = grad + 2 * l2_shrinkage * var
    new_accum = accum + grad * grad
    if lr_power == -0.5:
        sigma = (np.sqrt(new_accum) - np.sqrt(accum)) / lr
        quadratic = np.sqrt(new_accum) / lr + 2 * l2
    else:
        sigma = (new_accum ** (-lr_power) - accum ** (-lr_power)) / lr
        quadratic = new_accum ** (-lr_power) / lr + 2 * l2
    linear = linear + shrunk - sigma * var
    var = np.where(np.abs(linear) > l1, (np.sign(linear) * l1 - linear) / quadratic, 0).astype(var.dtype)
    return var, new_accum, linear


def _adadelta(var, accum, accum_update, grad, lr, rho, epsilon):
    accum = accum * rho + grad * grad * (1 - rho)
    update = np.sqrt(accum_update + epsilon) / np.sqrt(accum + epsilon) * grad
    accum_update = accum_update * rho + update * update * (1 - rho)
    return var - update * lr, accum, accum_update


def _proximal_adagrad(var, accum, grad, lr, l1, l2):
    accum = accum + grad * grad
    lr_t = lr / np.sqrt(accum)
    proximal = var - grad * lr_t
    shrunk = np.sign(proximal) * np.maximum(np.abs(proximal) - lr_t * l1, 0) if l1 > 0 else proximal
    return shrunk / (1 + lr_t * l2), accum


def _sgd_sparse(var, values, indices, lr):
    """TF 1's GradientDescent on IndexedSlices: var.scatter_sub(values * lr), one index after the
    other (it alone does not sum repeated indices first)."""
    var = var.copy()
    np.subtract.at(var, indices.reshape(-1), (values * lr).reshape((-1,) + var.shape[1:]))
    return (var,)


def _adam_sparse(var, m, v, values, indices, beta1_power, beta2_power, lr, beta1, beta2, epsilon):
    """TF 1's Adam._apply_sparse: m and v decay everywhere, the gradient rows are added, every row of
    var moves (Adam has no sparse kernel; these are its assign/scatter_add steps, in their order)."""
    rows, grad = _deduplicate(values, indices)
    lr = lr * np.sqrt(1 - beta2_power) / (1 - beta1_power)
    m = m * beta1
    m[rows] += grad * (1 - beta1)
    v = v * beta2
    v[rows] += grad * grad * (1 - beta2)
    return var - lr * m / (np.sqrt(v) + epsilon), m, v


# name: (update rule, sparse rule). A sparse rule of None is TF's SparseApply kernel: the rule on the
# gradient's rows only, repeated indices summed first (TF 1's Optimizer._apply_sparse_duplicate_indices).
UPDATES = {
    "GradientDescent": (_sgd, _sgd_sparse),
    "Momentum": (_momentum, None),
    "Adagrad": (_adagrad, None),
    "Adam": (_adam, _adam_sparse),
    "RMSProp": (_rmsprop, None),
    "CenteredRMSProp": (_centered_rmsprop, None),
    "Ftrl": (_ftrl, None),
    "Adadelta": (_adadelta, None),
    "ProximalAdagrad": (_proximal_adagrad, None),
}


def _store(state, names, values):
    for name, value in zip(names, values):
        value.setflags(write=False)  # fresh arrays; read-only so a fetched value never changes later
        state.variables[name] = value


def _read_all(state, names):
    try:
        return [state.variables[name] for name in names]
    except KeyError as missing:
        raise errors.FailedPreconditionError(
            None, None, f"Attempting to use uninitialized value {missing.args[0]}"
        ) from None


def _scalars(hyper, dtype):
    # hyper-parameters as scalars of the variable's type: TF computes them in that type too
    return [h[()] if h.dtype == dtype else dtype.type(h) for h in hyper]


def _dense_apply(update, state, var_names, options):
    """`apply(grad, *hyper)`: the dense update of these variables; the one body of the eager kernel and
    of the closure a plan binds once."""
    variables = state.variables

    def apply(grad, *hyper):
        try:
            current = [variables[name] for name in var_names]
        except KeyError:
            current = _read_all(state, var_names)  # raises TF's "uninitialized value" error
        dtype = current[0].dtype
        grad = grad if grad.dtype == dtype else grad.astype(dtype)
        new = update(*current, grad, *_scalars(hyper, dtype), **options)
        _store(state, var_names, [v if v.dtype == dtype else v.astype(dtype) for v in new])
        return variables[var_names[0]]

    return apply


def _dense_kernel(update):
    def kernel(state, key, grad, *hyper, var_names, shape, **options):
        return _dense_apply(update, state, var_names, options)(grad, *hyper)

    return kernel


def _deduplicate(values, indices):
    """The distinct rows and the sum of the values given for each (TF's _deduplicate_indexed_slices)."""
    rows, position = np.unique(indices.reshape(-1), return_inverse=True)
    summed = np.zeros((len(rows),) + values.shape[indices.ndim :], values.dtype)
    np.add.at(summed, position, values.reshape((-1,) + values.shape[indices.ndim :]))
    return rows, summed


def _writable(state, name):
    """The array to change for variable `name`: the stored one itself when nothing but the run state
    holds it, so the change is invisible to everyone and a large table is not copied at every step;
    a copy when anything else (a fetched or eager value, a buffer of the run) still refers to it."""
    value = state.variables[name]
    if value.base is None and sys.getrefcount(value) == 3:  # the dict's, `value` and the call's argument
        value.setflags(write=True)
        return value
    return value.copy()


def _rows_update(update, state, names, values, indices, hyper, options):
    rows, summed = _deduplicate(values, indices)
    new = [_writable(state, name) for name in names]
    for c, r in zip(new, update(*[c[rows] for c in new], summed, *hyper, **options)):
        c[rows] = r
    return new


def _sparse_kernel(update, sparse):
    def kernel(state, key, values, indices, *hyper, var_names, shape, **options):
        dtype = _read_all(state, var_names)[0].dtype
        hyper = _scalars(hyper, dtype)
        if sparse is not None:
            current = _read_all(state, var_names)
            new = [np.asarray(v, dtype=c.dtype) for v, c in zip(sparse(*current, values, indices, *hyper), current)]
        else:
            new = _rows_update(update, state, var_names, values, indices, hyper, options)
        _store(state, var_names, new)
        return state.variables[var_names[0]]

    return kernel


def update_options(attrs):
    """An update op's options (use_locking, use_nesterov, ...): its attrs without the variables it names."""
    return {k: v for k, v in attrs.items() if k not in ("var_names", "shape")}


def _apply_rule(inputs, *, var_names, shape, **options):
    return [(shape, inputs[0].dtype)]


def _bind_dense(update):
    def bind(op, state):
        options = update_options(op.attrs)
        return _dense_apply(update, state, op.get_attr("var_names"), options)

    return bind


_NOT_LAID_OUT = object()


class _Concatenated:
    """The dense updates of several variables with the same hyper-parameters as one update of their
    concatenation: the rules are elementwise, so every element gets the numbers its own variable's
    update gives it, in a dozen numpy calls instead of a dozen per variable.

    Double-buffered: each role (var, m, v, ...) has two concatenated arrays, each with read-only views
    shaped as the variables, made once. A run reads one set of views and writes the new values into
    the other, then stores those views: a value read earlier in the same run (one fetched with the
    update, say) keeps its value, and nothing is allocated per variable. Values stored by anyone else
    since (an Assign, a restore, the op-by-op updates the debugger runs) are noticed and laid out anew.
    """

    def __init__(self, update, state, var_names, options):
        self.update, self.variables, self.options = update, state.variables, options
        self.count = len(var_names)
        self.names = [name for role in zip(*var_names) for name in role]  # role by role: vars, then m, ...
        self.views = [_NOT_LAID_OUT] * len(self.names)  # matches no stored value: the first run lays out

    def _layout(self, current):
        """Lays the current values out as two arrays per role; Unfused unless they are uniform."""
        if any(c is None for c in current):
            raise Unfused  # uninitialized: the op itself raises TF's error
        count, dtype = self.count, current[0].dtype
        shapes = [c.shape for c in current[:count]]
        roles = [current[r : r + count] for r in range(0, len(current), count)]
        if any(c.dtype != dtype for c in current) or any([c.shape for c in role] != shapes for role in roles):
            raise Unfused
        ends = np.cumsum([c.size for c in current[:count]]).tolist()
        spans = list(zip([0, *ends[:-1]], ends, shapes))
        self.dtype, self.shapes = dtype, shapes
        self.flats = [np.concatenate(role, axis=None) for role in roles]
        self.spare = [flat.copy() for flat in self.flats]
        self.views, self.spare_views = (self._views(flats, spans) for flats in (self.flats, self.spare))
        self.variables.update(zip(self.names, self.views))

    @staticmethod
    def _views(flats, spans):
        views = []
        for flat in flats:
            for a, b, shape in spans:
                view = flat[a:b].reshape(shape)
                view.flags.writeable = False  # a fetched value is copied; Assign copies it too
                views.append(view)
        return views

    def __call__(self, *args):
        count = self.count
        grads, hyper = args[:count], args[count:]
        current = list(map(self.variables.get, self.names))
        if not all(map(operator.is_, current, self.views)):
            self._layout(current)
        if [getattr(g, "shape", None) for g in grads] != self.shapes:
            raise Unfused  # a gradient of another shape: the op itself broadcasts or raises
        dtype = self.dtype
        grad = np.concatenate(grads, axis=None)
        grad = grad if grad.dtype == dtype else grad.astype(dtype)
        new = self.update(*self.flats, grad, *_scalars(hyper, dtype), **self.options)
        for target, value in zip(self.spare, new):
            np.copyto(target, value, casting="unsafe")  # the rule's dtype back to the variables' (astype's)
        self.flats, self.spare = self.spare, self.flats
        self.views, self.spare_views = self.spare_views, self.views
        self.variables.update(zip(self.names, self.views))
        return tuple(self.views[:count])


def _same_tensors(a, b):
    return len(a) == len(b) and all(map(operator.is_, a, b))


# above this many elements a variable's update is all numpy work (the call costs nothing beside it),
# and a second buffer would double its memory: it is updated on its own, inside the fused step
_FUSED_MAX_ELEMENTS = 1 << 16


def _small(op):
    shape = op.get_attr("shape")
    return shape.is_fully_defined() and shape.num_elements() <= _FUSED_MAX_ELEMENTS


def _with_large(concatenated, small, large, count):
    """The fused kernel for a run with large variables too: they are checked first (Unfused before
    anything changes), then the small ones go through `concatenated` and each large one on its own."""

    def apply(*args):
        grads, hyper = args[:count], args[count:]
        for i, names, _ in large:
            current = list(map(concatenated.variables.get, names))
            if any(c is None for c in current) or getattr(grads[i], "shape", None) != current[0].shape:
                raise Unfused
        outputs = [None] * count
        for i, value in zip(small, concatenated(*[grads[i] for i in small], *hyper)):
            outputs[i] = value
        for i, _, update_one in large:
            outputs[i] = update_one(grads[i], *hyper)
        return tuple(outputs)

    return apply


def _fuse_dense(update):
    """The fused update of consecutive Apply ops sharing their hyper-parameters and options."""

    def fuse(ops, state):
        first = ops[0]
        options = update_options(first.attrs)
        var_names = [op.get_attr("var_names") for op in ops]
        for op in ops[1:]:
            others = update_options(op.attrs)
            if not _same_tensors(op.inputs[1:], first.inputs[1:]) or others != options:
                return None
        if len({name for names in var_names for name in names}) != sum(map(len, var_names)):
            return None  # a variable updated twice: the second update must see the first
        small = [i for i, op in enumerate(ops) if _small(op)]
        if len(small) < 2:
            return None
        # one per state for the same updates: the plans of a loop's plain and summary steps share its
        # buffers, so switching between them does not lay the variables out anew
        key = ("fused update", *[ops[i] for i in small])
        concatenated = state.resources.get(key)
        if concatenated is None:
            concatenated = state.resources[key] = _Concatenated(update, state, [var_names[i] for i in small], options)
        inputs = [op.inputs[0] for op in ops] + list(first.inputs[1:])
        if len(small) == len(ops):
            return concatenated, inputs
        large = [
            (i, var_names[i], _dense_apply(update, state, var_names[i], options))
            for i in range(len(ops))
            if i not in small
        ]
        return _with_large(concatenated, small, large, len(ops)), inputs

    return fuse


for _name, (_update, _sparse) in UPDATES.items():
    defop(
        f"Apply{_name}",
        _dense_kernel(_update),
        _apply_rule,
        grad=NOT_DIFFERENTIABLE,
        stateful=True,
        bind=_bind_dense(_update),
        fuse=_fuse_dense(_update),
    )
    defop(
        f"SparseApply{_name}",
        _sparse_kernel(_update, _sparse),
        _apply_rule,
        grad=NOT_DIFFERENTIABLE,
        stateful=True,
    )


def concatenated_update(kind, state, var_names, options):
    """`update(*grads, *hyper)`: the dense updates of optimizer `kind` for the variables (and slots)
    `var_names` of `state` as one update of their concatenation (a parameter server's fused apply).
    Raises Unfused before changing anything when the values are not uniform in dtype or shape."""
    return _Concatenated(UPDATES[kind][0], state, var_names, options)


def apply_update(kind, variable, slots, grad, hyper, **options):
    """Adds the fused update op of optimizer `kind` for `variable`, its slot variables and `grad`."""
    var_names = (variable._var_name,) + tuple(s._var_name for s in slots)
    attrs = {"var_names": var_names, "shape": variable.shape, **options}
    if hasattr(grad, "indices"):
        return apply_op(f"SparseApply{kind}", [grad.values, grad.indices, *hyper], attrs)
    return apply_op(f"Apply{kind}", [grad, *hyper], attrs)
