// The chart's offline validation: Helm (built by tools/infra/helm.sh) and schemas, no Kafka or
// store, so without the preset's global set-up that starts them.
const { jestConfig } = require('../jest.preset');

const { globalSetup: _infrastructure, ...config } = jestConfig(__dirname, 'int');

module.exports = { ...config, testTimeout: 120_000 };
