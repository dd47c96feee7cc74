/**
 * The UI's Simplified Chinese, keyed by the English text `t` is called with. Terms follow the
 * course's Chinese (损失, 梯度, 学习率, 动量, 鞍点, 批次, 验证集…); math notation (θ, ∇²L, η)
 * and `{name}` parameters stay as they are.
 */
export const zh: Record<string, string> = {
};
