use crate::api::error::{ApiError, ApiResult};
use crate::api::Call;

pub fn run(_call: &mut Call) -> ApiResult {
    Err(ApiError::new("no-function"))
}
