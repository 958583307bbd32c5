#include "textflag.h"

// func kernel4x64Int8(n int, a *uint8, lda int, b *int8, c *float32, ldc int, rowScale, rowMin, colScale, colSum *float32)
//
// For a 4-row block of 8-bit inputs and a 64-column block of 8-bit weights
// packed in groups of four rows (see int8Matrix), it sums the products of
// the n groups in sixteen AVX-512 registers of 32-bit integers with
// VPDPBUSD (64 multiply-adds each), then adds
// colScale[j]·(rowScale[i]·sum + rowMin[i]·colSum[j]) to C[i][j].
TEXT ·kernel4x64Int8(SB), NOSPLIT, $0-80
	MOVQ n+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ b+24(FP), DI
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R10
	SHLQ $2, R10
	LEAQ (SI)(R8*2), R11 // row 3 of A
	ADDQ R8, R11
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	TESTQ CX, CX
	JZ    epilogue

loop:
	VMOVDQU32    0(DI), Z16
	VMOVDQU32    64(DI), Z17
	VMOVDQU32    128(DI), Z18
	VMOVDQU32    192(DI), Z19
	VPBROADCASTD (SI), Z20
	VPBROADCASTD (SI)(R8*1), Z21
	VPBROADCASTD (SI)(R8*2), Z22
	VPBROADCASTD (R11), Z23
	VPDPBUSD     Z16, Z20, Z0
	VPDPBUSD     Z17, Z20, Z1
	VPDPBUSD     Z18, Z20, Z2
	VPDPBUSD     Z19, Z20, Z3
	VPDPBUSD     Z16, Z21, Z4
	VPDPBUSD     Z17, Z21, Z5
	VPDPBUSD     Z18, Z21, Z6
	VPDPBUSD     Z19, Z21, Z7
	VPDPBUSD     Z16, Z22, Z8
	VPDPBUSD     Z17, Z22, Z9
	VPDPBUSD     Z18, Z22, Z10
	VPDPBUSD     Z19, Z22, Z11
	VPDPBUSD     Z16, Z23, Z12
	VPDPBUSD     Z17, Z23, Z13
	VPDPBUSD     Z18, Z23, Z14
	VPDPBUSD     Z19, Z23, Z15
	ADDQ         $4, SI
	ADDQ         $4, R11
	ADDQ         $256, DI
	DECQ         CX
	JNZ          loop

epilogue:
	MOVQ rowScale+48(FP), AX
	MOVQ rowMin+56(FP), BX
	MOVQ colScale+64(FP), SI
	MOVQ colSum+72(FP), DI
	VMOVUPS 0(SI), Z24
	VMOVUPS 64(SI), Z25
	VMOVUPS 128(SI), Z26
	VMOVUPS 192(SI), Z27
	VMOVUPS 0(DI), Z28
	VMOVUPS 64(DI), Z29
	VMOVUPS 128(DI), Z30
	VMOVUPS 192(DI), Z31
	// Row 0.
	VBROADCASTSS 0(AX), Z20
	VBROADCASTSS 0(BX), Z21
	VCVTDQ2PS    Z0, Z0
	VMULPS       Z20, Z0, Z0
	VFMADD231PS  Z28, Z21, Z0
	VMOVUPS      0(DX), Z16
	VFMADD231PS  Z24, Z0, Z16
	VMOVUPS      Z16, 0(DX)
	VCVTDQ2PS    Z1, Z1
	VMULPS       Z20, Z1, Z1
	VFMADD231PS  Z29, Z21, Z1
	VMOVUPS      64(DX), Z17
	VFMADD231PS  Z25, Z1, Z17
	VMOVUPS      Z17, 64(DX)
	VCVTDQ2PS    Z2, Z2
	VMULPS       Z20, Z2, Z2
	VFMADD231PS  Z30, Z21, Z2
	VMOVUPS      128(DX), Z18
	VFMADD231PS  Z26, Z2, Z18
	VMOVUPS      Z18, 128(DX)
	VCVTDQ2PS    Z3, Z3
	VMULPS       Z20, Z3, Z3
	VFMADD231PS  Z31, Z21, Z3
	VMOVUPS      192(DX), Z19
	VFMADD231PS  Z27, Z3, Z19
	VMOVUPS      Z19, 192(DX)
	ADDQ         R10, DX
	// Row 1.
	VBROADCASTSS 4(AX), Z20
	VBROADCASTSS 4(BX), Z21
	VCVTDQ2PS    Z4, Z4
	VMULPS       Z20, Z4, Z4
	VFMADD231PS  Z28, Z21, Z4
	VMOVUPS      0(DX), Z16
	VFMADD231PS  Z24, Z4, Z16
	VMOVUPS      Z16, 0(DX)
	VCVTDQ2PS    Z5, Z5
	VMULPS       Z20, Z5, Z5
	VFMADD231PS  Z29, Z21, Z5
	VMOVUPS      64(DX), Z17
	VFMADD231PS  Z25, Z5, Z17
	VMOVUPS      Z17, 64(DX)
	VCVTDQ2PS    Z6, Z6
	VMULPS       Z20, Z6, Z6
	VFMADD231PS  Z30, Z21, Z6
	VMOVUPS      128(DX), Z18
	VFMADD231PS  Z26, Z6, Z18
	VMOVUPS      Z18, 128(DX)
	VCVTDQ2PS    Z7, Z7
	VMULPS       Z20, Z7, Z7
	VFMADD231PS  Z31, Z21, Z7
	VMOVUPS      192(DX), Z19
	VFMADD231PS  Z27, Z7, Z19
	VMOVUPS      Z19, 192(DX)
	ADDQ         R10, DX
	// Row 2.
	VBROADCASTSS 8(AX), Z20
	VBROADCASTSS 8(BX), Z21
	VCVTDQ2PS    Z8, Z8
	VMULPS       Z20, Z8, Z8
	VFMADD231PS  Z28, Z21, Z8
	VMOVUPS      0(DX), Z16
	VFMADD231PS  Z24, Z8, Z16
	VMOVUPS      Z16, 0(DX)
	VCVTDQ2PS    Z9, Z9
	VMULPS       Z20, Z9, Z9
	VFMADD231PS  Z29, Z21, Z9
	VMOVUPS      64(DX), Z17
	VFMADD231PS  Z25, Z9, Z17
	VMOVUPS      Z17, 64(DX)
	VCVTDQ2PS    Z10, Z10
	VMULPS       Z20, Z10, Z10
	VFMADD231PS  Z30, Z21, Z10
	VMOVUPS      128(DX), Z18
	VFMADD231PS  Z26, Z10, Z18
	VMOVUPS      Z18, 128(DX)
	VCVTDQ2PS    Z11, Z11
	VMULPS       Z20, Z11, Z11
	VFMADD231PS  Z31, Z21, Z11
	VMOVUPS      192(DX), Z19
	VFMADD231PS  Z27, Z11, Z19
	VMOVUPS      Z19, 192(DX)
	ADDQ         R10, DX
	// Row 3.
	VBROADCASTSS 12(AX), Z20
	VBROADCASTSS 12(BX), Z21
	VCVTDQ2PS    Z12, Z12
	VMULPS       Z20, Z12, Z12
	VFMADD231PS  Z28, Z21, Z12
	VMOVUPS      0(DX), Z16
	VFMADD231PS  Z24, Z12, Z16
	VMOVUPS      Z16, 0(DX)
	VCVTDQ2PS    Z13, Z13
	VMULPS       Z20, Z13, Z13
	VFMADD231PS  Z29, Z21, Z13
	VMOVUPS      64(DX), Z17
	VFMADD231PS  Z25, Z13, Z17
	VMOVUPS      Z17, 64(DX)
	VCVTDQ2PS    Z14, Z14
	VMULPS       Z20, Z14, Z14
	VFMADD231PS  Z30, Z21, Z14
	VMOVUPS      128(DX), Z18
	VFMADD231PS  Z26, Z14, Z18
	VMOVUPS      Z18, 128(DX)
	VCVTDQ2PS    Z15, Z15
	VMULPS       Z20, Z15, Z15
	VFMADD231PS  Z31, Z21, Z15
	VMOVUPS      192(DX), Z19
	VFMADD231PS  Z27, Z15, Z19
	VMOVUPS      Z19, 192(DX)
	VZEROUPPER
	RET

// func rowRange(a *float32, n int, lo, hi *[16]float32)
//
// Lane-wise minimum and maximum of a[0:n], n a positive multiple of 16.
TEXT ·rowRange(SB), NOSPLIT, $0-32
	MOVQ    a+0(FP), SI
	MOVQ    n+8(FP), CX
	MOVQ    lo+16(FP), AX
	MOVQ    hi+24(FP), BX
	VMOVUPS (SI), Z0
	VMOVUPS Z0, Z1
	SHRQ    $4, CX

rangeLoop:
	VMOVUPS (SI), Z2
	VMINPS  Z2, Z0, Z0
	VMAXPS  Z2, Z1, Z1
	ADDQ    $64, SI
	DECQ    CX
	JNZ     rangeLoop
	VMOVUPS Z0, (AX)
	VMOVUPS Z1, (BX)
	VZEROUPPER
	RET

// func bytesAVX512(a *float32, q *uint8, n int, lo, inv float32)
//
// q[l] = (a[l]-lo)·inv rounded to the nearest integer and saturated to
// 0..255, for l < n, n a multiple of 16.
TEXT ·bytesAVX512(SB), NOSPLIT, $0-32
	MOVQ         a+0(FP), SI
	MOVQ         q+8(FP), DI
	MOVQ         n+16(FP), CX
	VBROADCASTSS lo+24(FP), Z1
	VBROADCASTSS inv+28(FP), Z2
	SHRQ         $4, CX
	JZ           bytesDone

bytesLoop:
	VMOVUPS   (SI), Z0
	VSUBPS    Z1, Z0, Z0
	VMULPS    Z2, Z0, Z0
	VCVTPS2DQ Z0, Z0
	VPMOVUSDB Z0, X3
	VMOVDQU   X3, (DI)
	ADDQ      $64, SI
	ADDQ      $16, DI
	DECQ      CX
	JNZ       bytesLoop

bytesDone:
	VZEROUPPER
	RET

// func scaleAddFMA(c, sum, colSum, colScale *float32, n int, scale, lo float32)
//
// c[j] = colScale[j]·(scale·sum[j] + lo·colSum[j]) + c[j] for j < n, n a
// multiple of 8, with the roundings of kernel4x64Int8's epilogue.
TEXT ·scaleAddFMA(SB), NOSPLIT, $0-48
	MOVQ         c+0(FP), DI
	MOVQ         sum+8(FP), SI
	MOVQ         colSum+16(FP), BX
	MOVQ         colScale+24(FP), DX
	MOVQ         n+32(FP), CX
	VBROADCASTSS scale+40(FP), Y0
	VBROADCASTSS lo+44(FP), Y1
	SHRQ         $3, CX
	JZ           scaleDone

scaleLoop:
	VMULPS      (SI), Y0, Y2
	VFMADD231PS (BX), Y1, Y2
	VMOVUPS     (DI), Y3
	VFMADD231PS (DX), Y2, Y3
	VMOVUPS     Y3, (DI)
	ADDQ        $32, SI
	ADDQ        $32, BX
	ADDQ        $32, DX
	ADDQ        $32, DI
	DECQ        CX
	JNZ         scaleLoop

scaleDone:
	VZEROUPPER
	RET
