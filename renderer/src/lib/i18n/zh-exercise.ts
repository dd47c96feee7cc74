/** Simplified Chinese for the exercise part of the UI (spread into zh.ts; same rules as there). */
export const zhExercise: Record<string, string> = {};
