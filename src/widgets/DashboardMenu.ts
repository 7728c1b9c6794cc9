import { CommandRegistry } from '@lumino/commands';
import { Menu } from '@lumino/widgets';

import { ICluster } from '../api';
import { DASHBOARD_PANES, IDashboardPane } from '../daskPanes';
import { CommandIDs } from '../tokens';

/** The Dashboard button's menu: the few panes that matter, grouped, and the whole dashboard. */
export function dashboardMenu(
  commands: CommandRegistry,
  cluster: ICluster
): Menu {
  const menu = new Menu({ commands });
  menu.addClass('jp-HpcDashboardMenu');
  let group: IDashboardPane['group'] | null = null;
  for (const pane of DASHBOARD_PANES) {
    if (group !== null && pane.group !== group) {
      menu.addItem({ type: 'separator' });
    }
    group = pane.group;
    menu.addItem({
      command: CommandIDs.openDashboard,
      args: { clusterId: cluster.id, pane: pane.route, label: pane.label }
    });
  }
  menu.addItem({ type: 'separator' });
  menu.addItem({
    command: CommandIDs.openDashboard,
    args: { clusterId: cluster.id, browser: true }
  });
  // a menu made for one opening: gone once closed (after its command ran)
  menu.aboutToClose.connect(() => requestAnimationFrame(() => menu.dispose()));
  return menu;
}
