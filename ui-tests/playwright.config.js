/**
 * Browser tests run in Debian's Chromium (never a downloaded browser) against a Jupyter server
 * started from jupyter_server_test_config.py.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const PORT = process.env.HPC_UI_PORT || '8899';
// A second server on the Grid Engine sandbox (tests/sge.spec.ts).
const SGE_PORT = process.env.HPC_SGE_UI_PORT || String(Number(PORT) - 1);

module.exports = {
  ...baseConfig,
  workers: 1,
  retries: 0,
  timeout: 120 * 1000,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${PORT}`,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    }
  },
  webServer: [
    {
      command: `jupyter lab --config jupyter_server_test_config.py --ServerApp.port=${PORT}`,
      url: `http://localhost:${PORT}/lab`,
      timeout: 120 * 1000,
      reuseExistingServer: false
    },
    {
      command: `jupyter lab --config jupyter_server_test_config.py --ServerApp.port=${SGE_PORT} --HPCLabApp.backend=sge`,
      url: `http://localhost:${SGE_PORT}/lab`,
      timeout: 120 * 1000,
      reuseExistingServer: false
    }
  ]
};
