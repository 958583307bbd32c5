#include "textflag.h"

// func axpy4(y, x0, x1, x2, x3 *float32, a *[4]float32, n int)
//
// y[i] += a[0]*x0[i] + a[1]*x1[i] + a[2]*x2[i] + a[3]*x3[i] for i < n, n a
// multiple of 8, eight floats at a time with AVX2 fused multiply-adds.
TEXT ·axpy4(SB), NOSPLIT, $0-56
	MOVQ y+0(FP), DI
	MOVQ x0+8(FP), R8
	MOVQ x1+16(FP), R9
	MOVQ x2+24(FP), R10
	MOVQ x3+32(FP), R11
	MOVQ a+40(FP), AX
	MOVQ n+48(FP), CX
	VBROADCASTSS 0(AX), Y0
	VBROADCASTSS 4(AX), Y1
	VBROADCASTSS 8(AX), Y2
	VBROADCASTSS 12(AX), Y3
	XORQ SI, SI
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPS     (DI)(SI*1), Y4
	VMULPS      (R9)(SI*1), Y1, Y5
	VFMADD231PS (R8)(SI*1), Y0, Y4
	VFMADD231PS (R11)(SI*1), Y3, Y5
	VFMADD231PS (R10)(SI*1), Y2, Y4
	VADDPS      Y5, Y4, Y4
	VMOVUPS     Y4, (DI)(SI*1)
	ADDQ        $32, SI
	DECQ        CX
	JNZ         loop

done:
	VZEROUPPER
	RET
