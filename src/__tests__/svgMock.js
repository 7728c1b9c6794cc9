module.exports = { __esModule: true, default: '<svg></svg>' };
