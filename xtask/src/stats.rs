//! The one percentile helper of the bench and the load check.

/// The value at fraction `p` (0 to 1) of `sorted` (nearest rank); NaN when empty.
pub fn percentile<T: Copy + Into<f64>>(sorted: &[T], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p.clamp(0.0, 1.0)).round() as usize].into()
}

/// The median of the finite values of `v`; NaN when there are none.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    v.sort_by(f64::total_cmp);
    percentile(&v, 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        assert!(percentile::<f64>(&[], 0.5).is_nan());
        assert_eq!(percentile(&[1u32, 2, 3, 4, 5], 0.5), 3.0);
        assert_eq!(
            percentile(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.99),
            10.0
        );
        assert_eq!(median(vec![f64::NAN, 3.0, 1.0, 2.0]), 2.0);
    }
}
