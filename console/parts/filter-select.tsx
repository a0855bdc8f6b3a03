import Select from 'antd/es/select';

/** A multiple-choice filter: the values chosen, or none for no filtering. */
export function FilterSelect({
  placeholder,
  value,
  onChange,
  options,
  minWidth,
}: {
  placeholder: string;
  value: string[];
  onChange: (value: string[]) => void;
  options: { value: string; label: string }[];
  minWidth: number;
}) {
  return <Select mode="multiple" allowClear style={{ minWidth }} placeholder={placeholder} value={value} onChange={onChange} options={options} />;
}
