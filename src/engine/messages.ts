/** What to tell a user when no model is loaded: where models go and how to get one. */
export function noModelMessage(modelsDir: string): string {
  return (
    `No model is installed in ${modelsDir}. Put a trained generator there as <name>.onnx plus its ` +
    `<name>.json model card: train and export one with the training/ package (see docs/MODEL.md), ` +
    `or point TOONSTREAM_MODELS_DIR at a folder that has one.`
  );
}
