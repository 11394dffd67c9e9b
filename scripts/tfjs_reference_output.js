// Reference output of a TFJS graph model, to check scripts/convert_tfjs_face_model.py.
// Run once, outside the project environment:
//   npm install @tensorflow/tfjs@4.22.0
//   python -c "import numpy as np; np.random.rand(2,112,112,3).astype(np.float32).tofile('x.bin')"
//   node scripts/tfjs_reference_output.js package/models/mobilefacenet.json x.bin y.bin 112
// then compare y.bin (float32) with the ONNX model's output on x.bin.
const tf = require('@tensorflow/tfjs');
const fs = require('fs'); const path = require('path');
async function main() {
  const [modelJson, inputBin, outBin, side, outputNode] = process.argv.slice(2);
  const dir = path.dirname(modelJson);
  const handler = { load: async () => {
    const m = JSON.parse(fs.readFileSync(modelJson));
    const specs = m.weightsManifest.flatMap(g => g.weights);
    const data = Buffer.concat(m.weightsManifest.flatMap(g => g.paths.map(p => fs.readFileSync(path.join(dir, p)))));
    return { modelTopology: m.modelTopology, weightSpecs: specs, weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength), format: m.format, generatedBy: m.generatedBy, convertedBy: m.convertedBy, signature: m.signature, userDefinedMetadata: m.userDefinedMetadata };
  }};
  const model = await tf.loadGraphModel(handler);
  const buf = fs.readFileSync(inputBin);
  const n = buf.byteLength / 4 / (side * side * 3);
  const x = tf.tensor4d(new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4), [n, +side, +side, 3]);
  const y = outputNode ? model.execute(x, outputNode) : model.execute(x);
  const arr = await (Array.isArray(y) ? y[0] : y).data();
  fs.writeFileSync(outBin, Buffer.from(arr.buffer));
  console.log('out', (Array.isArray(y) ? y[0] : y).shape);
}
main();
