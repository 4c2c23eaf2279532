module.exports = require('../../jest.preset').jestConfig(__dirname, 'e2e');
