import { storeSuite } from './suite.js';

storeSuite('sqlite');
