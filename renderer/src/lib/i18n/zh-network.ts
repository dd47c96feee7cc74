/** Simplified Chinese for the network part of the UI (spread into zh.ts; same rules as there). */
export const zhNetwork: Record<string, string> = {
  // Import data (CsvImport.svelte, import-data.svelte.ts)
  'Import data…': '导入数据…',
  'Import data': '导入数据',
  '{name} (imported)': '{name}（已导入）',
  'Your data': '你的数据',
  '{name} is not a CSV or TSV file (.csv, .tsv, .txt)':
    '{name} 不是 CSV 或 TSV 文件（.csv、.tsv、.txt）',
  '{name} has {n} column: a target and at least one feature are needed':
    '{name} 只有 {n} 列：需要一个目标列和至少一个特征',
  'cannot read {name}: {message}': '无法读取 {name}：{message}',
  '{n} bytes': '{n} 字节',
  'choose at least one feature': '请至少选择一个特征',
  'the lab could not be set up on this data (see the message above)':
    '无法用这些数据构建实验室（见上方消息）',
  'the import was cancelled': '导入已取消',
  '{name} is empty': '{name} 是空文件',
  'the engine did not finish reading {name}': '引擎未能读完 {name}',
  'CSV or TSV file': 'CSV 或 TSV 文件',
  'Choose another file…': '选择其他文件…',
  'Choose a CSV or TSV file…': '选择 CSV 或 TSV 文件…',
  'Choose a CSV or TSV file': '选择 CSV 或 TSV 文件',
  'or drop it here — a header row, then one row per example':
    '或拖放到此处——第一行为表头，之后每行一个样本',
  'The first rows of {name}': '{name} 的前几行',
  Columns: '列',
  Target: '目标列',
  'Target column': '目标列',
  Task: '任务',
  'from its values': '按取值判断',
  Features: '特征',
  Column: '列',
  Feature: '特征',
  'One-hot': '独热编码',
  'Use {column} as a feature': '将 {column} 用作特征',
  'One-hot encode {column}': '对 {column} 做独热编码',
  'Reading the file': '正在读取文件',
  'Reading {done} of {total}': '正在读取 {done} / {total}',
  'Use this data': '使用这些数据',

  // What a run predicts of a table (TableView.svelte)
  'train rows': '训练集',
  'validation rows': '验证集',
  'test rows': '测试集',
  target: '目标值',
  'Confusion matrix of the {rows}': '{rows}样本的混淆矩阵',
  'true ↓ predicted →': '真实 ↓ 预测 →',
  '{count} of class {actual} predicted as {predicted}':
    '类别 {actual} 中有 {count} 个被预测为 {predicted}',
  '{right} of {n} {rows} right': '{rows}的 {n} 行中预测正确 {right} 行',
  ' (the first {n} of {total})': '（共 {total} 行中的前 {n} 行）',
  'Predicted against target for the {rows}': '{rows}样本的预测值与目标值对比',
  '{rows}: predicted against target (on the dashed line is exact)':
    '{rows}：预测值对目标值（落在虚线上即完全准确）',
  ' · the first {n} of {total}': ' · 共 {total} 行中的前 {n} 行',

  // Open model… (OpenModel.svelte, network.svelte.ts)
  'Open model…': '打开模型…',
  'Model files (model.json and its weights)': '模型文件（model.json 及其权重）',
  "runs as LossLab's MLP": '作为 LossLab 的 MLP 运行',
  'runs through its own graph': '通过模型自身的计算图运行',
  'pick the model.json and its weight files (.bin) together':
    '请同时选择 model.json 及其权重文件（.bin）',
  'pick one model.json ({n} .json files were picked)':
    '请只选择一个 model.json（选中了 {n} 个 .json 文件）',
  '{name} has {size}; LossLab reads a model.json of at most {limit}':
    '{name} 大小为 {size}；LossLab 读取的 model.json 最大为 {limit}',
  'the weight files hold {size}; LossLab opens models of at most {limit}':
    '权重文件共 {size}；LossLab 能打开的模型最大为 {limit}',

  // Runs recorded elsewhere (RecordedView.svelte, NetworkLab.svelte)
  'Recorded by {name}': '由 {name} 记录',
  '{parameters} parameters in {tensors} tensors': '{parameters} 个参数，分布在 {tensors} 个张量中',
  'step {step} / {last}': '第 {step} / {last} 步',
  'θ snapshot at step {step} on the landscape': '第 {step} 步的 θ 快照已画在损失地形上',
  "No landscape in the session: its θ snapshots are drawn once one is (the companion's":
    '会话中没有损失地形：有了损失地形后才会画出其 θ 快照 (由 Python 配套库的',
  'The model as recorded': '记录时的模型',
  'Recorded elsewhere on a model LossLab cannot build: shown as recorded, never trained.':
    '在别处用 LossLab 无法构建的模型记录：按记录显示，不会训练。',

  // Landscape files (LandscapePanel.svelte, network.svelte.ts)
  "The model is not one LossLab builds: its landscapes come computed with the session (the Python companion's":
    '该模型不是 LossLab 能构建的：它的损失地形随会话一起提供，已预先计算好（由 Python 配套库的',
  ', or an .h5 file).': ' 计算，或来自 .h5 文件）。',
  "A surface file of Li et al.'s loss-landscape code (.h5), with its projected trajectory (…_proj_cos.h5) if you pick both; or drop them on the window":
    'Li 等人的 loss-landscape 代码生成的曲面文件（.h5），若同时选择，还会读入其投影轨迹（…_proj_cos.h5）；也可以把文件拖放到窗口上',
  'Open .h5 landscape…': '打开 .h5 损失地形…',
  'Surface of the file': '文件中的曲面',
  '{nx} × {ny} points': '{nx} × {ny} 个点',
  ' (resampled to {resolution}²)': '（重采样为 {resolution}²）',
  '1-D: {n} points, in the 1-D slice chart': '一维：{n} 个点，显示在一维切片图中',
  ' · trajectory of {n} points': ' · 轨迹含 {n} 个点',
  ' · {min} to {max}': ' · {min} 至 {max}',
  'trajectory (file)': '轨迹（文件）',

  // About LossLab (AboutDialog.svelte)
  'Close About': '关闭“关于”',
  'A desktop lab for seeing how neural networks are optimized.':
    '一个观察神经网络如何被优化的桌面实验室。',
  Versions: '版本',
  Browser: '浏览器',
  'could not start': '无法启动',
  'loading…': '加载中…',
  'tfjs backend': 'tfjs 后端',
};
