package kernels

import "math"

// Softmax overwrites s with softmax(scale·s), for scale > 0: the maximum is
// subtracted first, so no exponential overflows whatever the logits.
// float32 takes exp32 (on AVX2, 8 lanes at a time: bit-identical
// exponentials, their sum added in another order), float64 math.Exp.
func Softmax[T Float](s []T, scale T) {
	if len(s) == 0 {
		return
	}
	if s32, ok := any(s).([]float32); ok {
		softmax32(s32, float32(scale))
		return
	}
	m := s[0]
	for _, x := range s[1:] {
		m = max(m, x)
	}
	var sum T
	for j, x := range s {
		e := T(math.Exp(float64((x - m) * scale)))
		s[j] = e
		sum += e
	}
	inv := 1 / sum
	for j := range s {
		s[j] *= inv
	}
}

// softmax32 is Softmax for float32, on the AVX2 kernels where it can.
func softmax32(s []float32, scale float32) {
	_, sum := expShift(s, scale)
	normalise32(s, 1/sum)
}

// SoftmaxLSE32 writes softmax(x) into p (len(p) = len(x) ≥ 1) and returns
// log Σⱼ exp(xⱼ): Softmax's float32 exponentials of x − max(x) (AVX2 where
// it can), their float32 sum's logarithm taken in float64, plus max(x).
func SoftmaxLSE32(p, x []float32) float64 {
	p = p[:len(x)]
	copy(p, x)
	m, sum := expShift(p, 1)
	normalise32(p, 1/sum)
	return float64(m) + math.Log(float64(sum))
}

// expShift overwrites s with exp32((s − m)·scale), m = max(s), and returns
// m and the sum of the exponentials.
func expShift(s []float32, scale float32) (m, sum float32) {
	vec := 0 // elements done by the AVX2 kernels
	if hasFMA {
		vec = len(s) &^ 7
	}
	m = s[0]
	if vec > 0 {
		m = max32(&s[0], vec)
	}
	for _, x := range s[vec:] {
		m = max(m, x)
	}
	if vec > 0 {
		sum = expShift32(&s[0], vec, m, scale)
	}
	for j := vec; j < len(s); j++ {
		e := exp32((s[j] - m) * scale)
		s[j] = e
		sum += e
	}
	return m, sum
}

// normalise32 multiplies s by inv.
func normalise32(s []float32, inv float32) {
	vec := 0
	if hasFMA {
		vec = len(s) &^ 7
	}
	if vec > 0 {
		scal32(&s[0], vec, inv)
	}
	for j := vec; j < len(s); j++ {
		s[j] *= inv
	}
}

// SoftmaxGrad overwrites dp, the gradient in the output p of a softmax of
// scale·s, with the gradient in s: scale·p ⊙ (dp − Σⱼ dpⱼ·pⱼ). float32 runs
// on AVX2 where it can (the same products, the sum added in another order).
func SoftmaxGrad[T Float](dp, p []T, scale T) {
	p = p[:len(dp)]
	vec := 0 // elements done by the AVX2 kernels
	var dot T
	if dp32, ok := any(dp).([]float32); ok && hasFMA && len(dp) >= 8 {
		vec = len(dp) &^ 7
		dot = T(dot32(&dp32[0], &any(p).([]float32)[0], vec))
	}
	for j := vec; j < len(dp); j++ {
		dot += dp[j] * p[j]
	}
	if vec > 0 {
		softmaxGrad32(&any(dp).([]float32)[0], &any(p).([]float32)[0], vec, float32(dot), float32(scale))
	}
	for j := vec; j < len(dp); j++ {
		dp[j] = p[j] * (dp[j] - dot) * scale
	}
}

// exp32 returns eˣ for x ≤ 0 in float32 arithmetic, within about 2 ulp: x
// = n·ln 2 + r with n = round(x·log₂e) and |r| ≤ ln 2 / 2, eʳ by Cephes'
// expf polynomial, times 2ⁿ built in the exponent bits. Below −87 (where eˣ
// nears float32's smallest normal) it returns 0. softmax_amd64.s computes
// the same operations 8 lanes at a time.
func exp32(x float32) float32 {
	if x < -87 {
		return 0
	}
	const (
		log2e = 1.44269504088896341
		ln2Hi = 0.693359375 // ln 2 = ln2Hi + ln2Lo, ln2Hi exact in 10 bits
		ln2Lo = -2.12194440e-4
		round = 12582912 // 1.5·2²³: adding and subtracting it rounds to an integer
	)
	n := x*log2e + round - round
	r := x - n*ln2Hi - n*ln2Lo
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	e := p*r*r + r + 1
	return e * math.Float32frombits(uint32(int32(n)+127)<<23)
}
