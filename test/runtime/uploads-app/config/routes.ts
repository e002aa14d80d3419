import type { RoutesConfig } from 'sails-rt';

export const routes: RoutesConfig = {
  'POST /upload/avatar': 'UploadController.avatar',
  'POST /upload/callback': 'UploadController.callback',
  'POST /upload/ignore': 'UploadController.ignore',
  'POST /upload/second': 'UploadController.second',
  'POST /upload/named': 'UploadController.named',
  'POST /echo/body': 'UploadController.body',
};
