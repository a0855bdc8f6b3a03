import type { ThemeConfig } from 'antd/es/config-provider';

/**
 * The console's Ant Design theme, shared by the app and the build's style extraction (their styles only match under the
 * same theme). The fonts name the usual Chinese system faces (macOS, Windows, Linux) before the generic family, so a
 * browser finds the face for Chinese text by name instead of searching every installed font the first time it lays out.
 */
export const CONSOLE_THEME: ThemeConfig = {
  token: {
    fontFamily:
      "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Noto Sans', sans-serif, 'Apple Color Emoji', 'Segoe UI Emoji', 'Segoe UI Symbol', 'Noto Color Emoji'",
  },
};
