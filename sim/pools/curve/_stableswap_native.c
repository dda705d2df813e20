/* Native kernels for the two-coin StableSwap hot path (sim/pools/curve/newton.py).
 *
 * Each function is the uint256 arithmetic of one loop of Curve's SwapTemplateBase.vy, done
 * in four 64-bit limbs instead of Python ints. It returns the exact integer the contract
 * computes, or None whenever any intermediate value would not fit in uint256, an input is
 * not an int in [0, 2**256), or the loop would revert. On None the caller runs the Python
 * reference of the same steps, which raises the contract's error or, for inputs outside
 * uint256, computes what Python integers give. So every value returned here equals the Python
 * reference's; tests/test_stableswap_native.py and tests/test_stableswap.py check that on
 * random and edge-case inputs, and run every StableSwap test with and without the kernels.
 * Only CPython's public C API is used (no underscore-prefixed functions, no struct fields).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

typedef unsigned __int128 u128;
typedef struct {
    uint64_t w[4]; /* little-endian limbs */
} u256;

#define A_PRECISION 100
#define MAX_ITERATIONS 255

/* ---- conversion ----------------------------------------------------------------------- *
 * Only CPython's public C API. From 3.13 on, PyLong_AsNativeBytes / PyLong_FromUnsigned-
 * NativeBytes copy the 32 bytes directly; before, an int is read 64 bits at a time
 * (PyLong_AsUnsignedLongLongMask and PyNumber_Rshift) and made with int.from_bytes. */

#if PY_VERSION_HEX < 0x030D0000
/* created at import: the int 64 for the shifts, int.from_bytes and its "little" */
static PyObject *SIXTY_FOUR, *FROM_BYTES, *LITTLE;
#endif

/* The last D returned, kept alive with its limbs: the pool passes that same object to every
 * get_y_2 of its state, which then reads it without converting (ints are immutable, and the
 * reference held here keeps its identity from being reused). */
static PyObject *last_D;
static u256 last_D_value;

/* 1 if `o` is an int in [0, 2**256) (stored in *out), else 0 with no exception set. */
static int
from_py(PyObject *o, u256 *out)
{
    if (o == last_D) {
        *out = last_D_value;
        return 1;
    }
    if (!PyLong_CheckExact(o)) {
        return 0;
    }
#if PY_VERSION_HEX >= 0x030D0000
    unsigned char buf[32];
    Py_ssize_t need = PyLong_AsNativeBytes(
        o, buf, 32,
        Py_ASNATIVEBYTES_LITTLE_ENDIAN | Py_ASNATIVEBYTES_UNSIGNED_BUFFER |
            Py_ASNATIVEBYTES_REJECT_NEGATIVE);
    if (need < 0) {
        PyErr_Clear();
        return 0;
    }
    if (need > 32) {
        return 0;
    }
    for (int i = 0; i < 4; i++) {
        uint64_t limb = 0;
        for (int k = 7; k >= 0; k--) {
            limb = (limb << 8) | buf[8 * i + k];
        }
        out->w[i] = limb;
    }
    return 1;
#else
    int overflow;
    long long small = PyLong_AsLongLongAndOverflow(o, &overflow);
    memset(out->w, 0, sizeof out->w);
    if (!overflow) { /* below 2**63 in magnitude: no allocation */
        if (small < 0) {
            return 0;
        }
        out->w[0] = (uint64_t)small;
        return 1;
    }
    if (overflow < 0) {
        return 0;
    }
    /* 2**63 or more: the low 64 bits, then the rest shifted down, until the rest is below
     * 2**63 (its last limb); a rest still that large after four limbs is beyond uint256 */
    PyObject *rest = Py_NewRef(o);
    for (int i = 0; i < 4; i++) {
        out->w[i] = (uint64_t)PyLong_AsUnsignedLongLongMask(rest);
        PyObject *next = PyNumber_Rshift(rest, SIXTY_FOUR);
        Py_DECREF(rest);
        if (next == NULL) {
            PyErr_Clear();
            return 0;
        }
        rest = next;
        small = PyLong_AsLongLongAndOverflow(rest, &overflow);
        if (!overflow) {
            Py_DECREF(rest);
            if (i == 3) {
                return small == 0;
            }
            out->w[i + 1] = (uint64_t)small;
            return 1;
        }
    }
    Py_DECREF(rest);
    return 0;
#endif
}

static PyObject *
to_py(const u256 *a)
{
    if (!(a->w[1] | a->w[2] | a->w[3])) {
        return PyLong_FromUnsignedLongLong(a->w[0]);
    }
#if PY_VERSION_HEX >= 0x030D0000
    unsigned char buf[32];
    for (int i = 0; i < 4; i++) {
        for (int k = 0; k < 8; k++) {
            buf[8 * i + k] = (unsigned char)(a->w[i] >> (8 * k));
        }
    }
    return PyLong_FromUnsignedNativeBytes(buf, 32, Py_ASNATIVEBYTES_LITTLE_ENDIAN);
#else
    /* int.from_bytes(the limbs up to the highest nonzero one, "little") */
    unsigned char buf[32];
    int n = 8 * (a->w[3] ? 4 : a->w[2] ? 3 : 2);
    for (int i = 0; i < n / 8; i++) {
        for (int k = 0; k < 8; k++) {
            buf[8 * i + k] = (unsigned char)(a->w[i] >> (8 * k));
        }
    }
    PyObject *args[2] = {PyBytes_FromStringAndSize((const char *)buf, n), LITTLE};
    if (args[0] == NULL) {
        return NULL;
    }
    PyObject *value = PyObject_Vectorcall(FROM_BYTES, args, 2, NULL);
    Py_DECREF(args[0]);
    return value;
#endif
}

/* ---- uint256 arithmetic: each returns 1 where the EVM result would not fit ------------- */

static int
is_zero(const u256 *a)
{
    return !(a->w[0] | a->w[1] | a->w[2] | a->w[3]);
}

static int
cmp(const u256 *a, const u256 *b)
{
    for (int i = 3; i >= 0; i--) {
        if (a->w[i] != b->w[i]) {
            return a->w[i] < b->w[i] ? -1 : 1;
        }
    }
    return 0;
}

static int
add(u256 *r, const u256 *a, const u256 *b)
{
    u128 carry = 0;
    for (int i = 0; i < 4; i++) {
        carry += (u128)a->w[i] + b->w[i];
        r->w[i] = (uint64_t)carry;
        carry >>= 64;
    }
    return carry != 0;
}

/* r = a - b for a >= b */
static void
sub(u256 *r, const u256 *a, const u256 *b)
{
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        u128 d = (u128)a->w[i] - b->w[i] - borrow;
        r->w[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) != 0;
    }
}

static int
limbs(const u256 *a)
{
    int n = 4;
    while (n && !a->w[n - 1]) {
        n--;
    }
    return n;
}

static int
mul(u256 *r, const u256 *a, const u256 *b)
{
    int na = limbs(a), nb = limbs(b);
    if (!na || !nb) {
        memset(r->w, 0, sizeof r->w);
        return 0;
    }
    if (na + nb > 5) { /* a >= 2**(64(na-1)), b >= 2**(64(nb-1)): the product is >= 2**256 */
        return 1;
    }
    uint64_t t[8] = {0};
    for (int i = 0; i < na; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < nb; j++) {
            u128 p = (u128)a->w[i] * b->w[j] + t[i + j] + carry;
            t[i + j] = (uint64_t)p;
            carry = (uint64_t)(p >> 64);
        }
        t[i + nb] = carry;
    }
    if (t[4]) {
        return 1;
    }
    memcpy(r->w, t, sizeof r->w);
    return 0;
}

static int
mul_small(u256 *r, const u256 *a, uint64_t k)
{
    u128 carry = 0;
    for (int i = 0; i < 4; i++) {
        carry += (u128)a->w[i] * k;
        r->w[i] = (uint64_t)carry;
        carry >>= 64;
    }
    return carry != 0;
}

/* (hi * 2**64 + lo) // d and the remainder, for hi < d (so the quotient fits 64 bits). */
static inline uint64_t
div128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem)
{
#if defined(__x86_64__)
    uint64_t q, r;
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
    *rem = r;
    return q;
#else
    u128 n = ((u128)hi << 64) | lo;
    *rem = (uint64_t)(n % d);
    return (uint64_t)(n / d);
#endif
}

/* q = a // b for b != 0: Knuth's algorithm D on 64-bit limbs. */
static void
divide(u256 *q, const u256 *a, const u256 *b)
{
    int n = limbs(b), m = limbs(a);
    u256 quot = {{0, 0, 0, 0}};
    if (m < n) {
        *q = quot;
        return;
    }
    if (n == 1) {
        uint64_t d = b->w[0], rem = 0;
        for (int i = m - 1; i >= 0; i--) {
            quot.w[i] = div128(rem, a->w[i], d, &rem);
        }
        *q = quot;
        return;
    }
    int s = __builtin_clzll(b->w[n - 1]);
    uint64_t vn[4], un[5];
    for (int i = n - 1; i > 0; i--) {
        vn[i] = (b->w[i] << s) | (s ? b->w[i - 1] >> (64 - s) : 0);
    }
    vn[0] = b->w[0] << s;
    un[m] = s ? a->w[m - 1] >> (64 - s) : 0;
    for (int i = m - 1; i > 0; i--) {
        un[i] = (a->w[i] << s) | (s ? a->w[i - 1] >> (64 - s) : 0);
    }
    un[0] = a->w[0] << s;
    for (int j = m - n; j >= 0; j--) {
        u128 qhat, rhat;
        if (un[j + n] < vn[n - 1]) {
            uint64_t r;
            qhat = div128(un[j + n], un[j + n - 1], vn[n - 1], &r);
            rhat = r;
        }
        else { /* the quotient digit would not fit: start from its largest value */
            u128 num = ((u128)un[j + n] << 64) | un[j + n - 1];
            qhat = num / vn[n - 1];
            rhat = num % vn[n - 1];
        }
        while ((qhat >> 64) || qhat * vn[n - 2] > ((rhat << 64) | un[j + n - 2])) {
            qhat--;
            rhat += vn[n - 1];
            if (rhat >> 64) {
                break;
            }
        }
        uint64_t carry = 0, borrow = 0;
        for (int i = 0; i < n; i++) {
            u128 p = qhat * vn[i] + carry;
            carry = (uint64_t)(p >> 64);
            u128 d = (u128)un[i + j] - (uint64_t)p - borrow;
            un[i + j] = (uint64_t)d;
            borrow = (uint64_t)(d >> 64) != 0;
        }
        u128 d = (u128)un[j + n] - carry - borrow;
        un[j + n] = (uint64_t)d;
        if ((uint64_t)(d >> 64)) { /* qhat was one too large: add the divisor back */
            qhat--;
            u128 c = 0;
            for (int i = 0; i < n; i++) {
                c += (u128)un[i + j] + vn[i];
                un[i + j] = (uint64_t)c;
                c >>= 64;
            }
            un[j + n] += (uint64_t)c;
        }
        quot.w[j] = (uint64_t)qhat;
    }
    *q = quot;
}

/* |a - b| <= 1 */
static int
within_one(const u256 *a, const u256 *b)
{
    u256 d;
    if (cmp(a, b) >= 0) {
        sub(&d, a, b);
    }
    else {
        sub(&d, b, a);
    }
    return !(d.w[1] | d.w[2] | d.w[3]) && d.w[0] <= 1;
}

/* ---- the contract's loops ------------------------------------------------------------- */

static int
args3(PyObject *const *args, Py_ssize_t nargs, u256 *a, u256 *b, u256 *c)
{
    return nargs == 3 && from_py(args[0], a) && from_py(args[1], b) && from_py(args[2], c);
}

/* SwapTemplateBase.vy _get_D for N_COINS = 2: get_D_2(x0, x1, amp) -> D | None */
static PyObject *
get_D_2(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    u256 x0, x1, amp, S, D, Ann, a_term, b_coef, nx0, nx1, D_P, Dprev, t, num, den;
    const u256 prec = {{A_PRECISION, 0, 0, 0}};
    if (!args3(args, nargs, &x0, &x1, &amp) || is_zero(&x0) || is_zero(&x1)) {
        Py_RETURN_NONE;
    }
    /* Ann < A_PRECISION would make (Ann - A_PRECISION) negative: left to the Python */
    if (add(&S, &x0, &x1) || mul_small(&Ann, &amp, 2) || cmp(&Ann, &prec) < 0 ||
        mul(&a_term, &Ann, &S) || mul_small(&nx0, &x0, 2) || mul_small(&nx1, &x1, 2)) {
        Py_RETURN_NONE;
    }
    divide(&a_term, &a_term, &prec);
    sub(&b_coef, &Ann, &prec);
    D = S;
    for (int k = 0; k < MAX_ITERATIONS; k++) {
        /* D_P = D * D // (x0 * 2) * D // (x1 * 2) */
        if (mul(&t, &D, &D)) {
            Py_RETURN_NONE;
        }
        divide(&t, &t, &nx0);
        if (mul(&D_P, &t, &D)) {
            Py_RETURN_NONE;
        }
        divide(&D_P, &D_P, &nx1);
        Dprev = D;
        /* D = (Ann * S // A_PRECISION + D_P * N) * D
         *     // ((Ann - A_PRECISION) * D // A_PRECISION + (N + 1) * D_P) */
        if (mul_small(&t, &D_P, 2) || add(&t, &a_term, &t) || mul(&num, &t, &D) ||
            mul(&den, &b_coef, &D)) {
            Py_RETURN_NONE;
        }
        divide(&den, &den, &prec);
        if (mul_small(&t, &D_P, 3) || add(&den, &den, &t) || is_zero(&den)) {
            Py_RETURN_NONE;
        }
        divide(&D, &num, &den);
        if (within_one(&D, &Dprev)) {
            PyObject *result = to_py(&D);
            if (result != NULL) {
                PyObject *old = last_D;
                last_D = Py_NewRef(result);
                last_D_value = D;
                Py_XDECREF(old);
            }
            return result;
        }
    }
    Py_RETURN_NONE;
}

/* The contract's y loop (shared by _get_y and _get_y_D), from `y`:
 * y = (y*y + c) // (2*y + b - D) until two iterates differ by at most 1.
 * 1 with the result in *out, or 0 where the loop would revert or leave uint256. */
static int
y_loop(const u256 *b, const u256 *c, const u256 *D, u256 y, u256 *out)
{
    u256 y_prev, num, den;
    for (int k = 0; k < MAX_ITERATIONS; k++) {
        y_prev = y;
        if (mul_small(&den, &y, 2) || add(&den, &den, b) || cmp(&den, D) <= 0) {
            return 0;
        }
        sub(&den, &den, D);
        if (mul(&num, &y, &y) || add(&num, &num, c)) {
            return 0;
        }
        divide(&y, &num, &den);
        if (within_one(&y, &y_prev)) {
            *out = y;
            return 1;
        }
    }
    return 0;
}

static double
to_double(const u256 *a)
{
    return ldexp((double)a->w[3], 192) + ldexp((double)a->w[2], 128) +
           ldexp((double)a->w[1], 64) + (double)a->w[0];
}

/* floor(v) for 0 <= v < 2**256; 0 otherwise (NaN included) */
static int
from_double(double v, u256 *out)
{
    memset(out->w, 0, sizeof out->w);
    if (!(v >= 0.0 && v < 0x1p256)) {
        return 0;
    }
    if (v < 0x1p64) {
        out->w[0] = (uint64_t)v;
        return 1;
    }
    int e;
    uint64_t mant = (uint64_t)ldexp(frexp(v, &e), 64); /* v = mant * 2**(e - 64), exactly */
    int shift = e - 64, limb = shift / 64, bit = shift % 64;
    out->w[limb] = mant << bit;
    if (bit && limb < 3) {
        out->w[limb + 1] = mant >> (64 - bit);
    }
    return 1;
}

/* f(y) = y*y + (b - D)*y - c <= 0, as P = y*y + b*y against Q = D*y + c; *excess = P - Q
 * when positive. -1 where a term leaves uint256. */
static int
f_at_most_zero(const u256 *b, const u256 *c, const u256 *D, const u256 *y, u256 *excess)
{
    u256 P, Q, t;
    if (mul(&P, y, y) || mul(&t, b, y) || add(&P, &P, &t) || mul(&Q, D, y) || add(&Q, &Q, c)) {
        return -1;
    }
    if (cmp(&P, &Q) <= 0) {
        return 1;
    }
    sub(excess, &P, &Q);
    return 0;
}

/* The closed form of sim/pools/curve/newton.py newton_y_result: where it vouches (see its
 * proof), the contract's loop from y = D returns r = floor(y*), y* the larger root of f.
 * r comes from one Newton step from just above a float estimate of y* (instead of the
 * loop's eight or so from D) and is then checked exactly: f(r) <= 0 < f(r + 1), and the
 * conditions of the proof. 1 with r in *out, or 0 where it does not vouch. */
static int
closed_form_y(const u256 *b, const u256 *c, const u256 *D, u256 *out)
{
    u256 t, num, den, r, r1, f1, slope, lhs, rhs;
    const u256 one = {{1, 0, 0, 0}};
    if (mul(&t, D, D) || add(&t, &t, c)) { /* D*D + c beyond uint256 */
        return 0;
    }
    double B = to_double(b) - to_double(D), C = to_double(c);
    double disc = sqrt(B * B + 4.0 * C);
    double root = B > 0 ? 2.0 * C / (B + disc) : (disc - B) / 2.0;
    /* A start just above y* (on pool states the estimate is good to about 2**-50; where
     * b - D cancels it may not be, and the checks below then send us to the loop), and one
     * Newton step from it: N(y) - y* = (y - y*)**2 / (2y + B) puts floor(N(y)) within one of
     * y*. The step is the loop's: y = (y*y + c) // (2*y + b - D). */
    if (!from_double(root * (1.0 + 0x1p-46) + 4.0, &t) || mul_small(&den, &t, 2) ||
        add(&den, &den, b) || cmp(&den, D) <= 0 || mul(&num, &t, &t) || add(&num, &num, c)) {
        return 0;
    }
    sub(&den, &den, D);
    divide(&r, &num, &den);
    int k, ok;
    for (k = 0; (ok = f_at_most_zero(b, c, D, &r, &f1)) == 0 && k < 2; k++) {
        sub(&r, &r, &one); /* f(r) > 0: r is above the root */
    }
    if (ok != 1) {
        return 0;
    }
    for (k = 0; k < 3; k++) {
        if (add(&r1, &r, &one) || (ok = f_at_most_zero(b, c, D, &r1, &f1)) < 0) {
            return 0;
        }
        if (!ok) {
            break; /* f(r) <= 0 < f(r + 1): r = floor(y*) */
        }
        r = r1;
    }
    if (ok) {
        return 0;
    }
    /* the proof's conditions: r + 1 < D, slope = 2r + B > 0, f(r + 1) * slope > 4 * (slope + 2) */
    if (cmp(&r1, D) >= 0 || mul_small(&slope, &r, 2) || add(&slope, &slope, b) ||
        cmp(&slope, D) <= 0) {
        return 0;
    }
    sub(&slope, &slope, D);
    const u256 two = {{2, 0, 0, 0}};
    if (add(&rhs, &slope, &two) || mul_small(&rhs, &rhs, 4)) {
        return 0;
    }
    if (!mul(&lhs, &f1, &slope) && cmp(&lhs, &rhs) <= 0) {
        return 0; /* (a product beyond uint256 is certainly larger) */
    }
    *out = r;
    return 1;
}

/* The contract's y loop from y = D, by its closed form where that vouches. */
static int
newton_y(const u256 *b, const u256 *c, const u256 *D, u256 *out)
{
    return closed_form_y(b, c, D, out) || y_loop(b, c, D, *D, out);
}

/* SwapTemplateBase.vy _get_y for N_COINS = 2, the other coin's xp at `x`:
 * get_y_2(x, D, amp) -> y | None */
static PyObject *
get_y_2(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    u256 x, D, amp, Ann, c, t, b, y;
    if (!args3(args, nargs, &x, &D, &amp) || is_zero(&x)) {
        Py_RETURN_NONE;
    }
    /* c = D * D // (x * N) * D * A_PRECISION // (Ann * N); b = x + D * A_PRECISION // Ann */
    if (mul_small(&Ann, &amp, 2) || is_zero(&Ann) || mul(&c, &D, &D) || mul_small(&t, &x, 2)) {
        Py_RETURN_NONE;
    }
    divide(&c, &c, &t);
    if (mul(&c, &c, &D) || mul_small(&c, &c, A_PRECISION) || mul_small(&t, &Ann, 2)) {
        Py_RETURN_NONE;
    }
    divide(&c, &c, &t);
    if (mul_small(&t, &D, A_PRECISION)) {
        Py_RETURN_NONE;
    }
    divide(&t, &t, &Ann);
    if (add(&b, &x, &t) || !newton_y(&b, &c, &D, &y)) {
        Py_RETURN_NONE;
    }
    return to_py(&y);
}

/* Test hooks: the uint256 primitives themselves, for tests/test_stableswap_native.py. */
static PyObject *
u256_mul(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    u256 a, b, r;
    if (nargs != 2 || !from_py(args[0], &a) || !from_py(args[1], &b) || mul(&r, &a, &b)) {
        Py_RETURN_NONE;
    }
    return to_py(&r);
}

static PyObject *
y_from(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    u256 b, c, D, y;
    if (!args3(args, nargs, &b, &c, &D) || !newton_y(&b, &c, &D, &y)) {
        Py_RETURN_NONE;
    }
    return to_py(&y);
}

static PyObject *
u256_div(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    u256 a, b, q;
    if (nargs != 2 || !from_py(args[0], &a) || !from_py(args[1], &b) || is_zero(&b)) {
        Py_RETURN_NONE;
    }
    divide(&q, &a, &b);
    return to_py(&q);
}

static PyMethodDef methods[] = {
    {"get_D_2", (PyCFunction)(void (*)(void))get_D_2, METH_FASTCALL,
     "get_D_2(x0, x1, amp) -> D, or None where the contract reverts or a value leaves uint256"},
    {"get_y_2", (PyCFunction)(void (*)(void))get_y_2, METH_FASTCALL,
     "get_y_2(x, D, amp) -> y, or None where the contract reverts or a value leaves uint256"},
    {"y_from", (PyCFunction)(void (*)(void))y_from, METH_FASTCALL,
     "y_from(b, c, D) -> the contract's y loop from y = D, or None (test hook)"},
    {"u256_mul", (PyCFunction)(void (*)(void))u256_mul, METH_FASTCALL,
     "a * b in uint256, or None on overflow (test hook)"},
    {"u256_div", (PyCFunction)(void (*)(void))u256_div, METH_FASTCALL,
     "a // b in uint256, or None for b == 0 (test hook)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_stableswap_native",
    "uint256 kernels of the two-coin StableSwap hot path (see stableswap.py)", -1, methods,
};

PyMODINIT_FUNC
PyInit__stableswap_native(void)
{
#if PY_VERSION_HEX < 0x030D0000
    if (SIXTY_FOUR == NULL &&
        ((SIXTY_FOUR = PyLong_FromLong(64)) == NULL ||
         (FROM_BYTES = PyObject_GetAttrString((PyObject *)&PyLong_Type, "from_bytes")) == NULL ||
         (LITTLE = PyUnicode_InternFromString("little")) == NULL)) {
        Py_CLEAR(SIXTY_FOUR);
        Py_CLEAR(FROM_BYTES);
        return NULL;
    }
#endif
    return PyModule_Create(&module);
}
