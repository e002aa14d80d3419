import type { PoliciesConfig } from 'sails-rt';

export const policies: PoliciesConfig = {
  '*': true,
  UserController: { '*': 'isLoggedIn', find: true },
  SayController: { hello: ['isLoggedIn', 'isAdmin'] },
  session: { me: ['later', 'isLoggedIn'] },
  ClosedController: { shut: false, boom: 'explodes' },
};
