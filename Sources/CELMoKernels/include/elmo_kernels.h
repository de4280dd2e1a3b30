#ifndef ELMO_KERNELS_H
#define ELMO_KERNELS_H
#include <stddef.h>

/* Kernels for the ELMo forward pass, with results that do not depend on the batch.
 *
 * Every output element of elmk_matmul_packed is one fused multiply-add chain over k = 0..K-1 in
 * order, starting from the element's value in C: c = fma(a[k], w[k], c). Which rows share a call,
 * how many there are, which columns are blocked together, and which code path runs (AVX2+FMA or
 * portable fmaf) change nothing, so a sentence's output is the same bits alone and in any batch.
 * The elementwise functions use the same operation sequence in the vector and the scalar path,
 * so they too give the same bits on every path. */

/* Floats needed to pack a (K, N) row-major matrix. */
size_t elmk_packed_count(size_t K, size_t N);

/* Packs W (K, N), row stride ldw, into `packed` (elmk_packed_count floats, 64-byte aligned). */
void elmk_pack(const float *W, size_t ldw, size_t K, size_t N, float *packed);

/* C (M, N; row stride ldc) += A (M, K; row stride lda) @ W, W given packed. Rows of A may
 * overlap (lda < K), which turns a 1-D convolution into one call without an im2col copy. */
void elmk_matmul_packed(const float *A, size_t lda, const float *packed, float *C, size_t ldc,
                        size_t M, size_t N, size_t K);

/* Column panels of W (16 columns each, the last one partial). */
size_t elmk_panel_count(size_t N);

/* elmk_matmul_packed restricted to the columns of panels [first_panel, end_panel): calls on
 * disjoint panel ranges write disjoint columns of C, so threads may split a product this way and
 * every element is still the same chain. */
void elmk_matmul_packed_panels(const float *A, size_t lda, const float *packed, float *C, size_t ldc,
                               size_t M, size_t N, size_t K, size_t first_panel, size_t end_panel);

/* TF LSTMCell gates for `rows` rows: z (rows, 4D; row stride ldz) holds the pre-activations in
 * (i, j, f, o) order. c (rows, D) is updated in place:
 *   c = sigmoid(f + forget_bias) * c + sigmoid(i) * tanh(j), clipped to [-clip, clip] if clip > 0;
 * m (rows, D) = sigmoid(o) * tanh(c). Row r uses z + r*ldz, c + r*D, m + r*D. */
void elmk_lstm_cell(const float *z, size_t ldz, float *c, float *m, size_t rows, size_t D,
                    float forget_bias, float clip);

/* x = sigmoid(x), x = tanh(x), elementwise, in place. */
void elmk_sigmoid(float *x, size_t n);
void elmk_tanh(float *x, size_t n);

/* Highway combine, elementwise: x = g * relu(t) + (1 - g) * x, with g = sigmoid(gate). */
void elmk_highway_combine(float *x, const float *gate, const float *t, size_t n);

/* 1 when the AVX2+FMA path runs, 0 for the portable path. The environment variable
 * ELMOKIT_KERNELS=portable forces the portable path (read once). */
int elmk_vector_path(void);

/* Tests only: 0 forces the portable path, 1 the vector path where the CPU has it, -1 re-detects. */
void elmk_force_path(int path);

/* Starts writeback of a file range without waiting (Linux sync_file_range); 0 or -1. */
int elmk_start_writeback(int fd, long long offset, long long count);

#endif
