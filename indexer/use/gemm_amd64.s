#include "textflag.h"

// func kernel4x64(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
//
// C[0:4][0:64] += A[0:4][0:k] · B[0:k][0:64], row-major with row strides
// lda, ldb and ldc (in floats). The 4×64 block of C stays in sixteen
// AVX-512 registers for the whole of k; each step loads one row of B (four
// registers), broadcasts one element of each row of A and does sixteen
// fused multiply-adds.
TEXT ·kernel4x64(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ b+24(FP), DI
	MOVQ ldb+32(FP), R9
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R10
	SHLQ $2, R8
	SHLQ $2, R9
	SHLQ $2, R10
	LEAQ (SI)(R8*2), R11 // row 3 of A
	ADDQ R8, R11
	LEAQ (DX)(R10*2), R12 // row 3 of C
	ADDQ R10, R12

	VMOVUPS 0(DX), Z0
	VMOVUPS 64(DX), Z1
	VMOVUPS 128(DX), Z2
	VMOVUPS 192(DX), Z3
	VMOVUPS 0(DX)(R10*1), Z4
	VMOVUPS 64(DX)(R10*1), Z5
	VMOVUPS 128(DX)(R10*1), Z6
	VMOVUPS 192(DX)(R10*1), Z7
	VMOVUPS 0(DX)(R10*2), Z8
	VMOVUPS 64(DX)(R10*2), Z9
	VMOVUPS 128(DX)(R10*2), Z10
	VMOVUPS 192(DX)(R10*2), Z11
	VMOVUPS 0(R12), Z12
	VMOVUPS 64(R12), Z13
	VMOVUPS 128(R12), Z14
	VMOVUPS 192(R12), Z15
	TESTQ   CX, CX
	JZ      store

loop:
	VMOVUPS      0(DI), Z16
	VMOVUPS      64(DI), Z17
	VMOVUPS      128(DI), Z18
	VMOVUPS      192(DI), Z19
	VBROADCASTSS (SI), Z20
	VBROADCASTSS (SI)(R8*1), Z21
	VBROADCASTSS (SI)(R8*2), Z22
	VBROADCASTSS (R11), Z23
	VFMADD231PS  Z16, Z20, Z0
	VFMADD231PS  Z17, Z20, Z1
	VFMADD231PS  Z18, Z20, Z2
	VFMADD231PS  Z19, Z20, Z3
	VFMADD231PS  Z16, Z21, Z4
	VFMADD231PS  Z17, Z21, Z5
	VFMADD231PS  Z18, Z21, Z6
	VFMADD231PS  Z19, Z21, Z7
	VFMADD231PS  Z16, Z22, Z8
	VFMADD231PS  Z17, Z22, Z9
	VFMADD231PS  Z18, Z22, Z10
	VFMADD231PS  Z19, Z22, Z11
	VFMADD231PS  Z16, Z23, Z12
	VFMADD231PS  Z17, Z23, Z13
	VFMADD231PS  Z18, Z23, Z14
	VFMADD231PS  Z19, Z23, Z15
	ADDQ         $4, SI
	ADDQ         $4, R11
	ADDQ         R9, DI
	DECQ         CX
	JNZ          loop

store:
	VMOVUPS Z0, 0(DX)
	VMOVUPS Z1, 64(DX)
	VMOVUPS Z2, 128(DX)
	VMOVUPS Z3, 192(DX)
	VMOVUPS Z4, 0(DX)(R10*1)
	VMOVUPS Z5, 64(DX)(R10*1)
	VMOVUPS Z6, 128(DX)(R10*1)
	VMOVUPS Z7, 192(DX)(R10*1)
	VMOVUPS Z8, 0(DX)(R10*2)
	VMOVUPS Z9, 64(DX)(R10*2)
	VMOVUPS Z10, 128(DX)(R10*2)
	VMOVUPS Z11, 192(DX)(R10*2)
	VMOVUPS Z12, 0(R12)
	VMOVUPS Z13, 64(R12)
	VMOVUPS Z14, 128(R12)
	VMOVUPS Z15, 192(R12)
	VZEROUPPER
	RET

// func softmax16(row *float32, n int)
//
// Replaces row[0:n] (n a positive multiple of 16) by its softmax:
// exp(x - max) / sum. exp is Cephes' expf: x = k·ln 2 + r with |r| <= ln 2 / 2,
// e^r by a polynomial of degree 7 in r, times 2^k (VSCALEFPS); its error is
// about one unit in the last place. Differences below -100 count as -100.
TEXT ·softmax16(SB), NOSPLIT, $0-16
	MOVQ row+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $4, CX

	// The maximum, broadcast to Z0.
	MOVQ    SI, DI
	MOVQ    CX, DX
	VMOVUPS (DI), Z0
maxLoop:
	VMAXPS (DI), Z0, Z0
	ADDQ   $64, DI
	DECQ   DX
	JNZ    maxLoop
	VEXTRACTF64X4 $1, Z0, Y1
	VMAXPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VMAXPS        X1, X0, X0
	VPERMILPS     $0x4e, X0, X1
	VMAXPS        X1, X0, X0
	VPERMILPS     $0xb1, X0, X1
	VMAXPS        X1, X0, X0
	VBROADCASTSS  X0, Z0

	MOVL         $0x3fb8aa3b, AX // log2e
	VPBROADCASTD AX, Z2
	MOVL         $0xc2c80000, AX // -100 (exp(-100) is 4e-44)
	VPBROADCASTD AX, Z3
	MOVL         $0x3f318000, AX // C1, ln 2 high
	VPBROADCASTD AX, Z6
	MOVL         $0xb95e8083, AX // C2, ln 2 low
	VPBROADCASTD AX, Z7
	MOVL         $0x39506967, AX // p0
	VPBROADCASTD AX, Z16
	MOVL         $0x3ab743ce, AX // p1
	VPBROADCASTD AX, Z17
	MOVL         $0x3c088908, AX // p2
	VPBROADCASTD AX, Z18
	MOVL         $0x3d2aa9c1, AX // p3
	VPBROADCASTD AX, Z19
	MOVL         $0x3e2aaaaa, AX // p4
	VPBROADCASTD AX, Z20
	MOVL         $0x3f000000, AX // p5
	VPBROADCASTD AX, Z21
	MOVL         $0x3f800000, AX // 1
	VPBROADCASTD AX, Z22

	// exp(x - max) in place, summed in Z15.
	VPXORD Z15, Z15, Z15
	MOVQ   SI, DI
	MOVQ   CX, DX
expLoop:
	VMOVUPS      (DI), Z4
	VSUBPS       Z0, Z4, Z4
	VMAXPS       Z3, Z4, Z4
	VMULPS       Z2, Z4, Z5
	VRNDSCALEPS  $0, Z5, Z5 // k, to nearest
	VFNMADD231PS Z6, Z5, Z4
	VFNMADD231PS Z7, Z5, Z4 // r
	VMOVAPS      Z16, Z8
	VFMADD213PS  Z17, Z4, Z8
	VFMADD213PS  Z18, Z4, Z8
	VFMADD213PS  Z19, Z4, Z8
	VFMADD213PS  Z20, Z4, Z8
	VFMADD213PS  Z21, Z4, Z8
	VMULPS       Z4, Z4, Z9
	VFMADD213PS  Z4, Z9, Z8
	VADDPS       Z22, Z8, Z8
	VSCALEFPS    Z5, Z8, Z8
	VMOVUPS      Z8, (DI)
	VADDPS       Z8, Z15, Z15
	ADDQ         $64, DI
	DECQ         DX
	JNZ          expLoop

	// Divide by the sum.
	VEXTRACTF64X4 $1, Z15, Y1
	VADDPS        Y1, Y15, Y15
	VEXTRACTF128  $1, Y15, X1
	VADDPS        X1, X15, X15
	VPERMILPS     $0x4e, X15, X1
	VADDPS        X1, X15, X15
	VPERMILPS     $0xb1, X15, X1
	VADDPS        X1, X15, X15
	VBROADCASTSS  X15, Z15
	VDIVPS        Z15, Z22, Z15
	MOVQ          SI, DI
	MOVQ          CX, DX
scaleLoop:
	VMULPS  (DI), Z15, Z8
	VMOVUPS Z8, (DI)
	ADDQ    $64, DI
	DECQ    DX
	JNZ     scaleLoop
	VZEROUPPER
	RET
