/* Batch-independent kernels for the ELMo LSTM step; see include/elmo_kernels.h for the contract.
 *
 * Two paths with bit-identical results: AVX2+FMA (x86-64 CPUs that have it, picked at run time with
 * a function-level target attribute, so the package needs no CPU flags) and portable C using fmaf.
 * Both perform the same IEEE operations in the same order for every element; nothing here may be
 * contracted or reassociated by the compiler. */
#include "elmo_kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#define ELMK_X86 1
#include <immintrin.h>
#endif

#pragma clang fp contract(off)

/* Packed layout: for each block of KC rows of W, ceil(N/NR) panels of (kc x NR) floats, row-major
 * within the panel, zero-padded past column N. */
enum { KC = 256, NR = 16, MR = 6 };

static size_t panel_count(size_t N) { return (N + NR - 1) / NR; }

size_t elmk_panel_count(size_t N) { return panel_count(N); }

size_t elmk_packed_count(size_t K, size_t N) { return K * panel_count(N) * NR; }

void elmk_pack(const float *W, size_t ldw, size_t K, size_t N, float *packed) {
  size_t panels = panel_count(N);
  for (size_t kb = 0; kb < K; kb += KC) {
    size_t kc = K - kb < KC ? K - kb : KC;
    float *block = packed + kb * panels * NR;
    for (size_t k = 0; k < kc; k++) {
      const float *w = W + (kb + k) * ldw;
      for (size_t p = 0; p < panels; p++) {
        float *dst = block + p * kc * NR + k * NR;
        size_t j0 = p * NR;
        if (j0 + NR <= N) {
          memcpy(dst, w + j0, NR * sizeof(float));
        } else {
          for (size_t q = 0; q < NR; q++) dst[q] = j0 + q < N ? w[j0 + q] : 0.0f;
        }
      }
    }
  }
}

/* ---- Portable path ---------------------------------------------------------------------------- */

static void matmul_portable(const float *A, size_t lda, const float *packed, float *C, size_t ldc,
                            size_t M, size_t N, size_t K, size_t p0, size_t p1) {
  size_t panels = panel_count(N);
  for (size_t kb = 0; kb < K; kb += KC) {
    size_t kc = K - kb < KC ? K - kb : KC;
    const float *block = packed + kb * panels * NR;
    for (size_t p = p0; p < p1; p++) {
      const float *P = block + p * kc * NR;
      size_t cols = N - p * NR < NR ? N - p * NR : NR;
      for (size_t r = 0; r < M; r++) {
        const float *a = A + r * lda + kb;
        float *c = C + r * ldc + p * NR;
        for (size_t q = 0; q < cols; q++) {
          float acc = c[q];
          for (size_t k = 0; k < kc; k++) acc = fmaf(a[k], P[k * NR + q], acc);
          c[q] = acc;
        }
      }
    }
  }
}

/* Scalar elementwise functions. The AVX2 versions below mirror them operation for operation. */
static const float EXP_HI = 88.0f, EXP_LO = -87.0f, LOG2E = 1.44269504088896341f;
static const float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
static const float EP0 = 1.9875691500e-4f, EP1 = 1.3981999507e-3f, EP2 = 8.3334519073e-3f,
                   EP3 = 4.1665795894e-2f, EP4 = 1.6666665459e-1f, EP5 = 5.0000001201e-1f;
static const float TP0 = -5.70498872745e-3f, TP1 = 2.06390887954e-2f, TP2 = -5.37397155531e-2f,
                   TP3 = 1.33314422036e-1f, TP4 = -3.33332819422e-1f;
static const float TANH_SMALL = 0.625f;

static inline float minf_(float a, float b) { return a < b ? a : b; }  /* = MINPS(a, b) */
static inline float maxf_(float a, float b) { return a > b ? a : b; }  /* = MAXPS(a, b) */
static inline float bits_to_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t float_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

/* Cephes-style expf: |relative error| about 1 ulp on [-87, 88]; inputs are clamped to that range. */
static inline float s_exp(float x) {
  x = minf_(x, EXP_HI);
  x = maxf_(x, EXP_LO);
  float n = nearbyintf(x * LOG2E);
  float r = fmaf(n, -LN2_HI, x);
  r = fmaf(n, -LN2_LO, r);
  float p = EP0;
  p = fmaf(p, r, EP1);
  p = fmaf(p, r, EP2);
  p = fmaf(p, r, EP3);
  p = fmaf(p, r, EP4);
  p = fmaf(p, r, EP5);
  float r2 = r * r;
  float y = fmaf(p, r2, r) + 1.0f;
  uint32_t e = (uint32_t)((int32_t)n + 127) << 23;
  return y * bits_to_float(e);
}

static inline float s_sigmoid(float x) { return 1.0f / (1.0f + s_exp(-x)); }

/* Cephes-style tanhf: odd polynomial below 0.625, 1 - 2/(exp(2|x|) + 1) above. */
static inline float s_tanh(float x) {
  float ax = bits_to_float(float_to_bits(x) & 0x7fffffffu);
  float z = x * x;
  float p = TP0;
  p = fmaf(p, z, TP1);
  p = fmaf(p, z, TP2);
  p = fmaf(p, z, TP3);
  p = fmaf(p, z, TP4);
  float small = fmaf(p * z, x, x);
  float e = s_exp(ax + ax);
  float big = 1.0f - 2.0f / (e + 1.0f);
  big = bits_to_float(float_to_bits(big) | (float_to_bits(x) & 0x80000000u));
  return ax < TANH_SMALL ? small : big;
}

static inline void s_cell(const float *z, size_t D, size_t j, float *c, float *m, float fb, float clip) {
  float i = s_sigmoid(z[j]);
  float g = s_tanh(z[D + j]);
  float f = s_sigmoid(z[2 * D + j] + fb);
  float o = s_sigmoid(z[3 * D + j]);
  float cn = f * c[j] + i * g;
  if (clip > 0) cn = minf_(maxf_(cn, -clip), clip);
  c[j] = cn;
  m[j] = o * s_tanh(cn);
}

static inline float s_highway(float x, float gate, float t) {
  float g = s_sigmoid(gate);
  return g * maxf_(t, 0.0f) + (1.0f - g) * x;
}

/* ---- AVX2 + FMA path -------------------------------------------------------------------------- */
#ifdef ELMK_X86
#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

/* C tile (mr x 16) += A (mr x kc) @ P (kc x 16); prefetches `pf` (a later panel) into L2 as it goes. */
#define ROW_DECL(r) __m256 c##r##0 = _mm256_setzero_ps(), c##r##1 = _mm256_setzero_ps();
#define ROW_LOAD(r) if (mr > r) { c##r##0 = _mm256_loadu_ps(C + r * ldc); c##r##1 = _mm256_loadu_ps(C + r * ldc + 8); }
#define ROW_FMA(r) if (mr > r) { __m256 a = _mm256_broadcast_ss(A + r * lda + k); \
    c##r##0 = _mm256_fmadd_ps(a, w0, c##r##0); c##r##1 = _mm256_fmadd_ps(a, w1, c##r##1); }
#define ROW_STORE(r) if (mr > r) { _mm256_storeu_ps(C + r * ldc, c##r##0); _mm256_storeu_ps(C + r * ldc + 8, c##r##1); }

INLINE AVX2 void micro(int mr, const float *A, size_t lda, const float *P, float *C, size_t ldc, size_t kc,
                       const float *pf) {
  ROW_DECL(0) ROW_DECL(1) ROW_DECL(2) ROW_DECL(3) ROW_DECL(4) ROW_DECL(5)
  ROW_LOAD(0) ROW_LOAD(1) ROW_LOAD(2) ROW_LOAD(3) ROW_LOAD(4) ROW_LOAD(5)
  for (size_t k = 0; k < kc; k++) {
    if (pf) _mm_prefetch((const char *)(pf + k * NR), _MM_HINT_T1);
    __m256 w0 = _mm256_loadu_ps(P + k * NR), w1 = _mm256_loadu_ps(P + k * NR + 8);
    ROW_FMA(0) ROW_FMA(1) ROW_FMA(2) ROW_FMA(3) ROW_FMA(4) ROW_FMA(5)
  }
  ROW_STORE(0) ROW_STORE(1) ROW_STORE(2) ROW_STORE(3) ROW_STORE(4) ROW_STORE(5)
}

#define MICRO(n) static AVX2 void micro##n(const float *A, size_t lda, const float *P, float *C, size_t ldc, \
    size_t kc, const float *pf) { if (pf) micro(n, A, lda, P, C, ldc, kc, pf); else micro(n, A, lda, P, C, ldc, kc, 0); }
MICRO(1) MICRO(2) MICRO(3) MICRO(4) MICRO(5) MICRO(6)
typedef void (*micro_fn)(const float *, size_t, const float *, float *, size_t, size_t, const float *);
static const micro_fn micros[MR + 1] = {0, micro1, micro2, micro3, micro4, micro5, micro6};

/* Rows per micro-kernel call: groups of 6, but never a group smaller than 4 when that can be
 * avoided (a 1- or 2-row tile has too few independent FMA chains to hide the FMA latency). */
static size_t row_group(size_t remaining) {
  if (remaining >= 12 || remaining == 6 || remaining <= 5) return remaining < MR ? remaining : MR;
  return remaining - remaining / 2; /* 7..11 -> 4+3, 4+4, 5+4, 5+5, 6+5 */
}

static AVX2 void matmul_avx2(const float *A, size_t lda, const float *packed, float *C, size_t ldc,
                             size_t M, size_t N, size_t K, size_t p0, size_t p1) {
  size_t panels = panel_count(N);
  for (size_t kb = 0; kb < K; kb += KC) {
    size_t kc = K - kb < KC ? K - kb : KC;
    const float *block = packed + kb * panels * NR;
    for (size_t p = p0; p < p1; p++) {
      const float *P = block + p * kc * NR;
      size_t cols = N - p * NR < NR ? N - p * NR : NR;
      /* The first row group prefetches the panel after next into L2; the rest run from cache. */
      const float *ahead = p + 2 < p1 ? P + 2 * kc * NR : 0;
      for (size_t r = 0, mr; r < M; r += mr) {
        mr = row_group(M - r);
        float *c = C + r * ldc + p * NR;
        const float *pf = r == 0 ? ahead : 0;
        if (cols == NR) {
          micros[mr](A + r * lda + kb, lda, P, c, ldc, kc, pf);
        } else {
          /* Last, partial panel: run on a padded copy of the C tile, write back the real columns. */
          float tile[MR * NR];
          for (size_t i = 0; i < mr; i++)
            for (size_t q = 0; q < NR; q++) tile[i * NR + q] = q < cols ? c[i * ldc + q] : 0.0f;
          micros[mr](A + r * lda + kb, lda, P, tile, NR, kc, 0);
          for (size_t i = 0; i < mr; i++)
            for (size_t q = 0; q < cols; q++) c[i * ldc + q] = tile[i * NR + q];
        }
      }
    }
  }
}

INLINE AVX2 __m256 v_exp(__m256 x) {
  x = _mm256_min_ps(x, _mm256_set1_ps(EXP_HI));
  x = _mm256_max_ps(x, _mm256_set1_ps(EXP_LO));
  __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-LN2_HI), x);
  r = _mm256_fmadd_ps(n, _mm256_set1_ps(-LN2_LO), r);
  __m256 p = _mm256_set1_ps(EP0);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EP1));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EP2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EP3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EP4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EP5));
  __m256 r2 = _mm256_mul_ps(r, r);
  __m256 y = _mm256_add_ps(_mm256_fmadd_ps(p, r2, r), _mm256_set1_ps(1.0f));
  __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

INLINE AVX2 __m256 v_sigmoid(__m256 x) {
  __m256 one = _mm256_set1_ps(1.0f);
  __m256 neg = _mm256_xor_ps(x, _mm256_set1_ps(-0.0f));
  return _mm256_div_ps(one, _mm256_add_ps(one, v_exp(neg)));
}

INLINE AVX2 __m256 v_tanh(__m256 x) {
  __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 ax = _mm256_andnot_ps(sign, x);
  __m256 z = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(TP0);
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(TP1));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(TP2));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(TP3));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(TP4));
  __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
  __m256 e = v_exp(_mm256_add_ps(ax, ax));
  __m256 one = _mm256_set1_ps(1.0f);
  __m256 big = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
  big = _mm256_or_ps(big, _mm256_and_ps(x, sign));
  __m256 is_small = _mm256_cmp_ps(ax, _mm256_set1_ps(TANH_SMALL), _CMP_LT_OQ);
  return _mm256_blendv_ps(big, small, is_small);
}

static AVX2 void cell_avx2(const float *z, float *c, float *m, size_t D, float fb, float clip) {
  size_t j = 0;
  __m256 vfb = _mm256_set1_ps(fb), hi = _mm256_set1_ps(clip), lo = _mm256_set1_ps(-clip);
  for (; j + 8 <= D; j += 8) {
    __m256 i = v_sigmoid(_mm256_loadu_ps(z + j));
    __m256 g = v_tanh(_mm256_loadu_ps(z + D + j));
    __m256 f = v_sigmoid(_mm256_add_ps(_mm256_loadu_ps(z + 2 * D + j), vfb));
    __m256 o = v_sigmoid(_mm256_loadu_ps(z + 3 * D + j));
    __m256 cn = _mm256_add_ps(_mm256_mul_ps(f, _mm256_loadu_ps(c + j)), _mm256_mul_ps(i, g));
    if (clip > 0) cn = _mm256_min_ps(_mm256_max_ps(cn, lo), hi);
    _mm256_storeu_ps(c + j, cn);
    _mm256_storeu_ps(m + j, _mm256_mul_ps(o, v_tanh(cn)));
  }
  for (; j < D; j++) s_cell(z, D, j, c, m, fb, clip);
}

static AVX2 void sigmoid_avx2(float *x, size_t n) {
  size_t j = 0;
  for (; j + 8 <= n; j += 8) _mm256_storeu_ps(x + j, v_sigmoid(_mm256_loadu_ps(x + j)));
  for (; j < n; j++) x[j] = s_sigmoid(x[j]);
}

static AVX2 void tanh_avx2(float *x, size_t n) {
  size_t j = 0;
  for (; j + 8 <= n; j += 8) _mm256_storeu_ps(x + j, v_tanh(_mm256_loadu_ps(x + j)));
  for (; j < n; j++) x[j] = s_tanh(x[j]);
}

static AVX2 void highway_avx2(float *x, const float *gate, const float *t, size_t n) {
  size_t j = 0;
  __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
  for (; j + 8 <= n; j += 8) {
    __m256 g = v_sigmoid(_mm256_loadu_ps(gate + j));
    __m256 tr = _mm256_max_ps(_mm256_loadu_ps(t + j), zero);
    __m256 v = _mm256_add_ps(_mm256_mul_ps(g, tr), _mm256_mul_ps(_mm256_sub_ps(one, g), _mm256_loadu_ps(x + j)));
    _mm256_storeu_ps(x + j, v);
  }
  for (; j < n; j++) x[j] = s_highway(x[j], gate[j], t[j]);
}
#endif

/* ---- Dispatch --------------------------------------------------------------------------------- */

static int detected_path = -1;

int elmk_vector_path(void) {
  int path = __atomic_load_n(&detected_path, __ATOMIC_RELAXED);
  if (path >= 0) return path;
  path = 0;
#ifdef ELMK_X86
  const char *forced = getenv("ELMOKIT_KERNELS");
  if (!(forced && strcmp(forced, "portable") == 0)) {
    __builtin_cpu_init();
    path = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }
#endif
  __atomic_store_n(&detected_path, path, __ATOMIC_RELAXED);
  return path;
}

void elmk_force_path(int path) {
  if (path < 0) { __atomic_store_n(&detected_path, -1, __ATOMIC_RELAXED); return; }
  int supported = 0;
#ifdef ELMK_X86
  __builtin_cpu_init();
  supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  __atomic_store_n(&detected_path, path && supported, __ATOMIC_RELAXED);
}

void elmk_matmul_packed_panels(const float *A, size_t lda, const float *packed, float *C, size_t ldc,
                               size_t M, size_t N, size_t K, size_t first_panel, size_t end_panel) {
  if (end_panel > panel_count(N)) end_panel = panel_count(N);
  if (M == 0 || N == 0 || K == 0 || first_panel >= end_panel) return;
#ifdef ELMK_X86
  if (elmk_vector_path()) { matmul_avx2(A, lda, packed, C, ldc, M, N, K, first_panel, end_panel); return; }
#endif
  matmul_portable(A, lda, packed, C, ldc, M, N, K, first_panel, end_panel);
}

void elmk_matmul_packed(const float *A, size_t lda, const float *packed, float *C, size_t ldc,
                        size_t M, size_t N, size_t K) {
  elmk_matmul_packed_panels(A, lda, packed, C, ldc, M, N, K, 0, panel_count(N));
}

void elmk_lstm_cell(const float *z, size_t ldz, float *c, float *m, size_t rows, size_t D,
                    float forget_bias, float clip) {
#ifdef ELMK_X86
  if (elmk_vector_path()) {
    for (size_t r = 0; r < rows; r++) cell_avx2(z + r * ldz, c + r * D, m + r * D, D, forget_bias, clip);
    return;
  }
#endif
  for (size_t r = 0; r < rows; r++)
    for (size_t j = 0; j < D; j++) s_cell(z + r * ldz, D, j, c + r * D, m + r * D, forget_bias, clip);
}

void elmk_sigmoid(float *x, size_t n) {
#ifdef ELMK_X86
  if (elmk_vector_path()) { sigmoid_avx2(x, n); return; }
#endif
  for (size_t j = 0; j < n; j++) x[j] = s_sigmoid(x[j]);
}

void elmk_tanh(float *x, size_t n) {
#ifdef ELMK_X86
  if (elmk_vector_path()) { tanh_avx2(x, n); return; }
#endif
  for (size_t j = 0; j < n; j++) x[j] = s_tanh(x[j]);
}

void elmk_highway_combine(float *x, const float *gate, const float *t, size_t n) {
#ifdef ELMK_X86
  if (elmk_vector_path()) { highway_avx2(x, gate, t, n); return; }
#endif
  for (size_t j = 0; j < n; j++) x[j] = s_highway(x[j], gate[j], t[j]);
}
